import { SearchSpaceError, type SearchSpace, type SpaceNode } from '../spec/space.js';
import type { Assignment } from './sample.js';

function product(lists: unknown[][]): unknown[][] {
  return lists.reduce<unknown[][]>((acc, list) => acc.flatMap((prefix) => list.map((v) => [...prefix, v])), [[]]);
}

function spaced(low: number, high: number, points: number, log: boolean): number[] {
  return Array.from({ length: points }, (_, i) => {
    const t = i / (points - 1);
    return log ? Math.exp(Math.log(low) + t * (Math.log(high) - Math.log(low))) : low + t * (high - low);
  });
}

/** Every value a node can take under grid search (continuous dimensions need `points`). */
export function enumerateNode(node: SpaceNode, path: string): unknown[] {
  if (node.kind === 'constant') return [node.value];
  if (node.kind === 'mapping') {
    const keys = node.fields.map(([k]) => k);
    return product(node.fields.map(([k, child]) => enumerateNode(child, `${path}.${k}`))).map((values) =>
      Object.fromEntries(keys.map((k, i) => [k, values[i]])),
    );
  }
  const d = node.dimension;
  if (node.options) return node.options.flatMap((option, i) => enumerateNode(option, `${path}.values[${i}]`));
  if (d.type === 'int') {
    const out: number[] = [];
    for (let v = d.low; v <= d.high; v += d.step) out.push(v);
    return out;
  }
  if (d.type === 'uniform' || d.type === 'loguniform') {
    if (d.points === undefined) {
      throw new SearchSpaceError(`${path}: grid search needs "points" on a ${d.type} dimension (how many values to try), or use a list`);
    }
    return spaced(d.low, d.high, d.points, d.type === 'loguniform');
  }
  return [];
}

/**
 * The full grid: the cartesian product of every key's values, the first key varying slowest.
 *
 * @example
 * enumerateGrid(parseSearchSpace({ batchSize: [32, 64], 'model.bn': [true, false] })).length; // 4
 */
export function enumerateGrid(space: SearchSpace): Assignment[] {
  const keys = space.map(([k]) => k);
  return product(space.map(([k, node]) => enumerateNode(node, `space.${k}`))).map((values) =>
    Object.fromEntries(keys.map((k, i) => [k, values[i]])),
  );
}
