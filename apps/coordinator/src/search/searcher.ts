import type { StudySpec } from '../spec/schema.js';
import type { SearchSpace } from '../spec/space.js';
import { enumerateGrid } from './grid.js';
import { trialRandom } from './rng.js';
import { sampleSpace, type Assignment } from './sample.js';

/**
 * Proposes the hyper-parameters of trial `index` (0-based). Suggestions depend only on the spec and the index, so a
 * resumed study proposes exactly what it proposed before.
 */
export interface Searcher {
  readonly name: 'random' | 'grid';
  /** How many distinct trials the searcher can propose (null: unbounded). */
  readonly size: number | null;
  suggest(index: number): Assignment;
}

/**
 * Random search, seeded: trial i draws from its own stream of `seed`.
 *
 * @example
 * new RandomSearcher(space, 7).suggest(0);
 */
export class RandomSearcher implements Searcher {
  readonly name = 'random';
  readonly size = null;
  constructor(private readonly space: SearchSpace, private readonly seed: number) {}
  suggest(index: number): Assignment {
    return sampleSpace(this.space, trialRandom(this.seed, index));
  }
}

/**
 * Grid search: the cartesian product of the dimensions, in order.
 *
 * @example
 * new GridSearcher(parseSearchSpace({ batchSize: [32, 64] })).size; // 2
 */
export class GridSearcher implements Searcher {
  readonly name = 'grid';
  private readonly points: Assignment[];
  constructor(space: SearchSpace) {
    this.points = enumerateGrid(space);
  }
  get size(): number {
    return this.points.length;
  }
  suggest(index: number): Assignment {
    const point = this.points[index];
    if (!point) throw new RangeError(`grid has ${this.points.length} points; trial index ${index} is past its end`);
    return structuredClone(point);
  }
}

/**
 * The searcher a spec asks for, and the number of trials it will run (grid: budget.trials or the grid size).
 *
 * @example
 * const { searcher, trials } = createSearcher(spec);
 */
export function createSearcher(spec: StudySpec): { searcher: Searcher; trials: number } {
  if (spec.searcher === 'grid') {
    const searcher = new GridSearcher(spec.space);
    const trials = spec.budget.trials ?? searcher.size;
    if (trials > searcher.size) {
      throw new RangeError(`budget.trials is ${trials} but the grid has only ${searcher.size} points; lower budget.trials or add grid values`);
    }
    return { searcher, trials };
  }
  return { searcher: new RandomSearcher(spec.space, spec.seed), trials: spec.budget.trials! };
}
