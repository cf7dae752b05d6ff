/** Numbers as a person reads them on a terminal: no 16-digit floats. */

/** A loss or accuracy: 4 decimals, as Keras prints them; NaN and ±Infinity by name. */
export function metric(value: number | null | undefined): string {
  if (value === null || value === undefined) return '-';
  return Number.isFinite(value) ? value.toFixed(4) : String(value);
}

/** A learning rate or other small quantity: 3 significant digits, no trailing zeros (0.01, 1e-4, 0.000316). */
export function significant(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (value === 0) return '0';
  return Number(value.toPrecision(3)).toString();
}

/** A duration: `0.8s`, `11s`, `2m05s`, `1h02m`. */
export function duration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '-';
  if (seconds < 10) return `${seconds.toFixed(1)}s`;
  if (seconds < 60) return `${Math.round(seconds)}s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m}m${String(Math.round(seconds % 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** Milliseconds per step: whole ms once above 10, one decimal below. */
export function msPerStep(ms: number): string {
  return `${ms >= 10 ? Math.round(ms) : ms.toFixed(1)}ms/step`;
}
