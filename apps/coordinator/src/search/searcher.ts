import type { SearchSpace } from '../spec/space.js';
import type { TrialRow, TrialState } from '../storage/types.js';
import { enumerateGrid } from './grid.js';
import { trialRandom } from './rng.js';
import { sampleSpace, type Assignment } from './sample.js';

/** How a trial ended, as a searcher learns it. */
export interface TrialResult {
  state: Exclude<TrialState, 'pending' | 'running'>;
  /** The objective at the trial's last recorded epoch (null when it crashed or never reported one). */
  objective: number | null;
  epochs: number;
  crashedEpoch: number | null;
}

/**
 * Proposes the hyper-parameters of trial `index` (0-based), and hears how every trial ended. A resumed study replays
 * the trials already finished to `onTrialComplete` (in trial-number order) before asking for any new suggestion, so a
 * stateful searcher (TPE, Bayesian optimization) rebuilds its model the way Optuna's samplers read the study's trials.
 *
 * @example
 * registerSearcher('my-searcher', { options: z.object({}).strict(), create: (spec) => ({ searcher: new MySearcher(spec), trials: spec.budget.trials! }) });
 */
export interface Searcher {
  readonly name: string;
  /** How many distinct trials the searcher can propose (null: unbounded). */
  readonly size: number | null;
  suggest(index: number): Assignment;
  /** Called once per finished trial (completed, stopped by the scheduler, crashed or failed), also on resume. */
  onTrialComplete(trial: TrialRow, result: TrialResult): void;
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
  /** Deliberately ignored: random trial i depends only on (seed, i), so a resumed study re-proposes the same trials. */
  onTrialComplete(): void {}
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
  /** Deliberately ignored: the grid is fixed up front and walked in order whatever the results. */
  onTrialComplete(): void {}
}
