import type { StudySpec } from '../spec/schema.js';
import { trialSchedulerRegistry } from './registry.js';
import type { TrialScheduler } from './types.js';

/**
 * The scheduler a spec asks for (by `scheduler.name`, from the registry).
 *
 * @example
 * createScheduler(spec).rungEpochs; // e.g. [1, 3] for ASHA η=3, min 1, max 9
 */
export function createScheduler(spec: StudySpec): TrialScheduler {
  const { name, ...options } = spec.scheduler;
  return trialSchedulerRegistry.require(name).create(spec, options);
}
