import type { StudySpec } from '../spec/schema.js';
import { AshaScheduler } from './asha.js';
import { FifoScheduler } from './fifo.js';
import type { TrialScheduler } from './types.js';

/**
 * The scheduler a spec asks for.
 *
 * @example
 * createScheduler(spec).rungEpochs; // e.g. [1, 3] for ASHA η=3, min 1, max 9
 */
export function createScheduler(spec: StudySpec): TrialScheduler {
  if (spec.scheduler.name === 'fifo') return new FifoScheduler();
  return new AshaScheduler({
    reductionFactor: spec.scheduler.reductionFactor,
    minEpochs: spec.scheduler.minEpochs,
    maxEpochs: spec.scheduler.maxEpochs ?? spec.budget.maxEpochs,
    mode: spec.objective.mode,
  });
}
