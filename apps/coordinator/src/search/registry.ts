import { z } from 'zod';
import { NamedRegistry, type SpecIssue } from '../spec/named-registry.js';
import type { StudySpec } from '../spec/schema.js';
import { GridSearcher, RandomSearcher, type Searcher } from './searcher.js';

/** A searcher a study spec can name in `searcher` (a name, or `{ name, ...options }`). */
export interface SearcherEntry<O = Record<string, unknown>> {
  /** The options besides `name` (zod, strict); their defaults are filled in before `create`. */
  options: z.ZodType<O>;
  /** The searcher and how many trials it runs; may throw a RangeError naming the spec field at fault. */
  create(spec: StudySpec, options: O): { searcher: Searcher; trials: number };
  /** Problems with the rest of the spec this searcher cannot work with (reported with the spec's errors). */
  check?(spec: StudySpec, options: O): SpecIssue[];
}

/** Every searcher a spec can name. */
export const searcherRegistry = new NamedRegistry<SearcherEntry>('searcher');

/**
 * Makes `name` a value of a study spec's `searcher` field (replacing an earlier entry of that name).
 *
 * @example
 * registerSearcher('fixed', {
 *   options: z.object({ lr: z.number() }).strict(),
 *   create: (spec, { lr }) => ({ searcher: { name: 'fixed', size: null, suggest: () => ({ 'optimizer.lr': lr }), onTrialComplete() {} }, trials: spec.budget.trials! }),
 * });
 * parseStudySpec({ ...raw, searcher: { name: 'fixed', lr: 0.01 } });
 */
export function registerSearcher<O>(name: string, entry: SearcherEntry<O>): void {
  searcherRegistry.register(name, entry as unknown as SearcherEntry);
}

registerSearcher('random', {
  options: z.object({}).strict(),
  create: (spec) => ({ searcher: new RandomSearcher(spec.space, spec.seed), trials: spec.budget.trials! }),
  check: (spec) => (spec.budget.trials === undefined ? [{ path: ['budget', 'trials'], message: 'random search needs budget.trials' }] : []),
});

registerSearcher('grid', {
  options: z.object({}).strict(),
  create: (spec) => {
    const searcher = new GridSearcher(spec.space);
    const trials = spec.budget.trials ?? searcher.size;
    if (trials > searcher.size) {
      throw new RangeError(`budget.trials is ${trials} but the grid has only ${searcher.size} points; lower budget.trials or add grid values`);
    }
    return { searcher, trials };
  },
});

/**
 * The searcher a spec asks for, and the number of trials it will run (grid: budget.trials or the grid size).
 *
 * @example
 * const { searcher, trials } = createSearcher(spec);
 */
export function createSearcher(spec: StudySpec): { searcher: Searcher; trials: number } {
  return searcherRegistry.require(spec.searcher).create(spec, spec.searcherOptions);
}
