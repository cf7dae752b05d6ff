/** Option checks shared by the schedulers: each error names the scheduler, the option, what was expected and given. */

function shown(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(shown).join(', ')}]`;
  return String(v);
}

export function fail(owner: string, option: string, expected: string, got: unknown): never {
  throw new RangeError(`${owner}: option '${option}' must be ${expected}, got ${shown(got)}`);
}

export function finiteNumber(owner: string, option: string, v: unknown, { min = -Infinity, max = Infinity,
  minExclusive = false, maxExclusive = false } = {}): number {
  const ok = typeof v === 'number' && Number.isFinite(v) &&
    (minExclusive ? v > min : v >= min) && (maxExclusive ? v < max : v <= max);
  if (!ok) {
    const range = [
      min !== -Infinity ? `${minExclusive ? '>' : '≥'} ${min}` : '',
      max !== Infinity ? `${maxExclusive ? '<' : '≤'} ${max}` : '',
    ].filter(Boolean).join(' and ');
    fail(owner, option, `a finite number${range ? ` ${range}` : ''}`, v);
  }
  return v as number;
}

export function integer(owner: string, option: string, v: unknown, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) fail(owner, option, `an integer ≥ ${min}`, v);
  return v as number;
}

export function oneOf<T extends string>(owner: string, option: string, v: unknown, allowed: readonly T[]): T {
  if (!allowed.includes(v as T)) fail(owner, option, `one of ${allowed.map((a) => `'${a}'`).join(', ')}`, v);
  return v as T;
}

/** Rejects option names the scheduler does not know (a typo like `patient` would otherwise be silently ignored). */
export function knownOptions(owner: string, options: object, known: readonly string[]): void {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(`${owner}: options must be an object, got ${shown(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw new RangeError(`${owner}: unknown option '${key}' (known: ${known.join(', ')})`);
    }
  }
}

export function numberArray(owner: string, field: string, v: unknown, length: number): number[] {
  if (!Array.isArray(v) || v.length !== length || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    fail(owner, field, `an array of ${length} finite numbers`, v);
  }
  return [...(v as number[])];
}
