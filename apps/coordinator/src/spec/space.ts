import { z } from 'zod';
import { dimensionSchema, looksLikeDimension, type Dimension, type DimensionType } from './dimension.js';

/** A parsed search-space value: a dimension (whose choice/grid values are trees), a mapping of trees, or a constant. */
export type SpaceNode =
  | { kind: 'dimension'; dimension: Dimension; options?: SpaceNode[] }
  | { kind: 'mapping'; fields: [string, SpaceNode][] }
  | { kind: 'constant'; value: unknown };

/** A whole search space: dotted train-config paths (e.g. `model.dropoutFc`) to what they range over. */
export type SearchSpace = [string, SpaceNode][];

/** A search-space problem, naming the path (e.g. `space.optimizer.values[1].lr.low`) and what was expected. */
export class SearchSpaceError extends Error {
  override name = 'SearchSpaceError';
}

function parseNode(value: unknown, path: string): SpaceNode {
  if (looksLikeDimension(value)) {
    const result = dimensionSchema.safeParse(value);
    if (!result.success) {
      const lines = result.error.issues.map((i) => `  ${[path, ...i.path].join('.')}: ${i.message}`);
      throw new SearchSpaceError(`invalid dimension at ${path}:\n${lines.join('\n')}`);
    }
    const dimension = result.data;
    if (dimension.type === 'choice' || dimension.type === 'grid') {
      return { kind: 'dimension', dimension, options: dimension.values.map((v, i) => parseNode(v, `${path}.values[${i}]`)) };
    }
    return { kind: 'dimension', dimension };
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    return { kind: 'mapping', fields: Object.entries(value).map(([k, v]) => [k, parseNode(v, `${path}.${k}`)]) };
  }
  return { kind: 'constant', value };
}

/**
 * Parses the `space` mapping of a study spec. Each key is a dotted train-config path; each value a dimension
 * (`{type: uniform|loguniform|int|choice|grid, ...}`) or a plain list, shorthand for `{type: grid, values: [...]}`.
 *
 * @example
 * parseSearchSpace({ 'optimizer.lr': { type: 'loguniform', low: 1e-4, high: 1e-1 }, batchSize: [32, 64] });
 */
export function parseSearchSpace(raw: unknown): SearchSpace {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new SearchSpaceError(`space: expected a mapping of config paths to dimensions, got ${Array.isArray(raw) ? 'a list' : typeof raw}`);
  }
  const entries = Object.entries(raw);
  if (entries.length === 0) throw new SearchSpaceError('space: needs at least one dimension');
  return entries.map(([key, value]) => {
    const path = `space.${key}`;
    if (!/^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*$/.test(key)) throw new SearchSpaceError(`${path}: "${key}" is not a dotted config path like model.dropoutFc`);
    if (Array.isArray(value)) return [key, parseNode({ type: 'grid', values: value }, path)];
    if (!looksLikeDimension(value)) {
      throw new SearchSpaceError(`${path}: expected a dimension {type: uniform|loguniform|int|choice|grid, ...} or a list of grid values, got ${JSON.stringify(value)}`);
    }
    return [key, parseNode(value, path)];
  });
}

/**
 * The dimension kind behind every leaf parameter path a space can produce (e.g. `optimizer.lr` → loguniform), for
 * reports (log axes) and tables. Constants inside choice values count as `choice`.
 *
 * @example
 * parameterKinds(parseSearchSpace({ l2: { type: 'loguniform', low: 1e-5, high: 1e-2 } })); // Map { 'l2' => 'loguniform' }
 */
export function parameterKinds(space: SearchSpace): Map<string, DimensionType> {
  const kinds = new Map<string, DimensionType>();
  const put = (path: string, kind: DimensionType) => {
    const prior = kinds.get(path);
    // A numeric kind says more about the axis than "one of these values": keep it when branches disagree.
    if (!prior || prior === 'choice' || prior === 'grid') kinds.set(path, kind);
  };
  const walk = (node: SpaceNode, path: string, inherited: DimensionType): void => {
    if (node.kind === 'constant') {
      if (typeof node.value === 'object' && node.value !== null && !Array.isArray(node.value)) {
        for (const [k, v] of Object.entries(node.value)) walk({ kind: 'constant', value: v }, `${path}.${k}`, inherited);
      } else put(path, inherited);
    } else if (node.kind === 'mapping') {
      for (const [k, child] of node.fields) walk(child, `${path}.${k}`, inherited);
    } else if (node.options) {
      for (const option of node.options) walk(option, path, node.dimension.type);
    } else put(path, node.dimension.type);
  };
  for (const [key, node] of space) walk(node, key, 'choice');
  return kinds;
}

export const searchSpaceSchema = z.unknown().transform((raw, ctx) => {
  try {
    return parseSearchSpace(raw);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
});
