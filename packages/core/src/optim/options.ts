/**
 * Option rules and their checks, shared by every optimizer. The ranges are torch 1.13's (`Invalid learning rate`,
 * `Invalid beta parameter at index 0`, ...) plus finiteness, which torch does not check but which would silently
 * poison every parameter on the first step.
 */

export type OptionRule =
  | { kind: 'number'; min: number; /** inclusive unless stated */ max?: number; maxExclusive?: boolean }
  | { kind: 'boolean' }
  | { kind: 'betas' };

export type OptionRules = Record<string, OptionRule>;

/**
 * Bad optimizer input: an option, a gradient list, or a state dict. The message names what and where; the optimizer
 * is left exactly as it was.
 * @example
 * try { opt.step(grads); } catch (e) { if (e instanceof OptimizerError) reply({ error: e.message }); else throw e; }
 */
export class OptimizerError extends Error {
  override name = 'OptimizerError';
}

function show(value: unknown): string {
  if (Array.isArray(value)) return value.length > 6 ? `an Array(${value.length})` : `[${value.map(show).join(', ')}]`;
  if (typeof value === 'string') return JSON.stringify(value);
  if (ArrayBuffer.isView(value)) return `${value.constructor.name}(${(value as Float32Array).length})`;
  if (typeof value === 'object' && value !== null) return (value.constructor as { name?: string })?.name ?? 'object';
  return String(value);
}

function isFiniteNumber(x: unknown): x is number {
  return typeof x === 'number' && Number.isFinite(x);
}

/** Returns what is wrong with `value` under `rule`, or null. */
function problem(value: unknown, rule: OptionRule): string | null {
  switch (rule.kind) {
    case 'boolean':
      return typeof value === 'boolean' ? null : 'must be a boolean';
    case 'betas': {
      const ok =
        Array.isArray(value) &&
        value.length === 2 &&
        value.every((b) => isFiniteNumber(b) && b >= 0 && b < 1);
      return ok ? null : 'must be two numbers in [0, 1)';
    }
    case 'number': {
      const upper = rule.max === undefined ? '' : rule.maxExclusive ? `, < ${rule.max}` : `, ≤ ${rule.max}`;
      const expected = `must be a finite number ≥ ${rule.min}${upper}`;
      if (!isFiniteNumber(value) || value < rule.min) return expected;
      if (rule.max !== undefined && (rule.maxExclusive ? value >= rule.max : value > rule.max)) return expected;
      return null;
    }
  }
}

/**
 * Throws `OptimizerError` naming the optimizer, where the option was given (`options`, `paramGroups[1]`, or '' for
 * the lr setter), the rule and the bad value, e.g. `Adam: paramGroups[1].betas must be two numbers in [0, 1), got [0.9, 1]`.
 */
export function checkOption(optimizer: string, where: string, key: string, value: unknown, rule: OptionRule): void {
  const wrong = problem(value, rule);
  if (wrong !== null) {
    const name = where === '' ? key : `${where}.${key}`;
    throw new OptimizerError(`${optimizer}: ${name} ${wrong}, got ${show(value)}`);
  }
}

/** Throws on keys that are not options of this optimizer (a typo like `learningRate` must not be ignored). */
export function checkKnownKeys(
  optimizer: string,
  where: string,
  given: object,
  rules: OptionRules,
  extraAllowed: readonly string[] = [],
): void {
  for (const key of Object.keys(given)) {
    if (!(key in rules) && !extraAllowed.includes(key)) {
      const known = [...Object.keys(rules), ...extraAllowed].join(', ');
      throw new OptimizerError(`${optimizer}: ${where} has unknown option '${key}' (known: ${known})`);
    }
  }
}

/** Copies an option value so a group never shares a mutable array (betas) with the caller or another group. */
export function copyOption(value: unknown): unknown {
  return Array.isArray(value) ? [...value] : value;
}

export { show as describeValue };
