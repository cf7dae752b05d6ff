/** Formats a hyper-parameter for a human table: log-scale numbers in exponent form, others with 3 significant digits. */
export function formatParam(value: unknown, kind: string): string {
  if (typeof value === 'number') {
    if (Number.isInteger(value) && kind !== 'loguniform') return String(value);
    return kind === 'loguniform' || Math.abs(value) < 1e-2 ? value.toExponential(1) : String(Number(value.toPrecision(3)));
  }
  if (value === null || value === undefined) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** An accuracy in [0, 1] as a percentage with two decimals. */
export function formatPercent(value: number | null): string {
  return value === null ? '' : `${(value * 100).toFixed(2)}%`;
}

/** A learning rate in exponent form. */
export function formatLr(value: number | null): string {
  return value === null ? '' : value.toExponential(1);
}
