/** Throws unless `value` is a finite number ≥ 0; `name` says which option was wrong. */
export function checkRate(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new Error(`${name}: expected a finite number >= 0, got ${typeof value === 'object' ? JSON.stringify(value) : String(value)}`);
  }
  return value;
}
