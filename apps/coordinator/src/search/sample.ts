import type { Dimension } from '../spec/dimension.js';
import type { SearchSpace, SpaceNode } from '../spec/space.js';

/** The values one trial takes: each space key (a dotted config path) to its value (a mapping for conditional choices). */
export type Assignment = Record<string, unknown>;

/** Draws one value of a numeric or categorical dimension (categorical values may be trees, sampled recursively). */
export function sampleDimension(dimension: Dimension, random: () => number): unknown {
  switch (dimension.type) {
    case 'uniform':
      return dimension.low + (dimension.high - dimension.low) * random();
    case 'loguniform': {
      const lo = Math.log(dimension.low);
      return Math.exp(lo + (Math.log(dimension.high) - lo) * random());
    }
    case 'int': {
      const count = Math.floor((dimension.high - dimension.low) / dimension.step) + 1;
      return dimension.low + dimension.step * Math.min(count - 1, Math.floor(random() * count));
    }
    case 'choice':
    case 'grid':
      return dimension.values[Math.min(dimension.values.length - 1, Math.floor(random() * dimension.values.length))];
  }
}

/** Draws a value for a space node: dimensions sampled, mappings field by field, constants as written. */
export function sampleNode(node: SpaceNode, random: () => number): unknown {
  if (node.kind === 'constant') return structuredClone(node.value);
  if (node.kind === 'mapping') return Object.fromEntries(node.fields.map(([k, child]) => [k, sampleNode(child, random)]));
  if (node.options) {
    const index = Math.min(node.options.length - 1, Math.floor(random() * node.options.length));
    return sampleNode(node.options[index]!, random);
  }
  return sampleDimension(node.dimension, random);
}

/**
 * Draws one trial's assignment: every key of the space, in spec order.
 *
 * @example
 * sampleSpace(parseSearchSpace({ l2: { type: 'loguniform', low: 1e-5, high: 1e-2 } }), mulberry32(1)); // { l2: 0.00031... }
 */
export function sampleSpace(space: SearchSpace, random: () => number): Assignment {
  return Object.fromEntries(space.map(([key, node]) => [key, sampleNode(node, random)]));
}
