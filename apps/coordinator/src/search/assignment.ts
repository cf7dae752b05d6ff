import type { Assignment } from './sample.js';

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function mergeInto(target: Record<string, unknown>, source: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(source)) {
    const prior = target[key];
    if (isMapping(value) && isMapping(prior)) mergeInto(prior, value);
    else target[key] = structuredClone(value);
  }
}

/**
 * The trial's config: `base` with each assigned path set (a mapping value merges into what is there).
 *
 * @example
 * applyAssignment({ optimizer: { name: 'sgd', momentum: 0.9 } }, { 'optimizer.lr': 0.02 });
 * // { optimizer: { name: 'sgd', momentum: 0.9, lr: 0.02 } }
 */
export function applyAssignment(base: Record<string, unknown>, assignment: Assignment): Record<string, unknown> {
  const config = structuredClone(base);
  for (const [path, value] of Object.entries(assignment)) {
    const keys = path.split('.');
    let node = config;
    for (const key of keys.slice(0, -1)) {
      if (!isMapping(node[key])) node[key] = {};
      node = node[key] as Record<string, unknown>;
    }
    const last = keys[keys.length - 1]!;
    if (isMapping(value) && isMapping(node[last])) mergeInto(node[last] as Record<string, unknown>, value);
    else node[last] = structuredClone(value);
  }
  return config;
}

/**
 * One trial's parameters as leaf paths to scalars (`{optimizer: {name, lr}}` → `optimizer.name`, `optimizer.lr`).
 *
 * @example
 * flattenAssignment({ optimizer: { name: 'adam', lr: 1e-3 }, l2: 5e-4 }); // { 'optimizer.name': 'adam', 'optimizer.lr': 0.001, l2: 0.0005 }
 */
export function flattenAssignment(assignment: Assignment): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const walk = (value: unknown, path: string) => {
    if (isMapping(value)) for (const [k, v] of Object.entries(value)) walk(v, `${path}.${k}`);
    else out[path] = value;
  };
  for (const [key, value] of Object.entries(assignment)) walk(value, key);
  return out;
}
