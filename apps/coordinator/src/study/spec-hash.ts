import { createHash } from 'node:crypto';
import type { StudySpec } from '../spec/schema.js';

/**
 * A digest of what decides a study's trials (space, searcher, seed, base config, objective, budget of trials and
 * epochs, scheduler, resources). Concurrency, inventory, command and output folder may change between runs.
 */
export function specHash(spec: StudySpec): string {
  const decisive = {
    searcher: spec.searcher,
    // Only when set, so studies recorded before searchers had options keep their hash.
    ...(Object.keys(spec.searcherOptions).length ? { searcherOptions: spec.searcherOptions } : {}),
    seed: spec.seed, space: spec.space, base: spec.base, objective: spec.objective,
    trials: spec.budget.trials ?? null, maxEpochs: spec.budget.maxEpochs, scheduler: spec.scheduler, resources: spec.resources,
  };
  return createHash('sha256').update(JSON.stringify(decisive)).digest('hex').slice(0, 16);
}
