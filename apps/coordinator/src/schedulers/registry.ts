import { z } from 'zod';
import type { StudySpec } from '../spec/schema.js';
import { NamedRegistry, type SpecIssue } from '../spec/named-registry.js';
import { AshaScheduler } from './asha.js';
import { FifoScheduler } from './fifo.js';
import type { TrialScheduler } from './types.js';

/** A trial scheduler a study spec can name in `scheduler.name`, with the rest of `scheduler` as its options. */
export interface TrialSchedulerEntry<O = Record<string, unknown>> {
  /** The options besides `name` (zod, strict); their defaults are filled in before `create`. */
  options: z.ZodType<O>;
  create(spec: StudySpec, options: O): TrialScheduler;
  /** Problems with the rest of the spec (paths from the spec's top). */
  check?(spec: StudySpec, options: O): SpecIssue[];
}

/** Every trial scheduler a spec can name. */
export const trialSchedulerRegistry = new NamedRegistry<TrialSchedulerEntry>('scheduler');

/**
 * Makes `name` a value of a study spec's `scheduler.name` (replacing an earlier entry of that name).
 *
 * @example
 * registerTrialScheduler('median', { options: z.object({ graceEpochs: z.number().int().default(1) }).strict(), create: (spec, o) => new MedianStopping(o) });
 */
export function registerTrialScheduler<O>(name: string, entry: TrialSchedulerEntry<O>): void {
  trialSchedulerRegistry.register(name, entry as unknown as TrialSchedulerEntry);
}

registerTrialScheduler('fifo', { options: z.object({}).strict(), create: () => new FifoScheduler() });

const ashaOptions = z
  .object({
    reductionFactor: z.number().gt(1, 'reductionFactor (η) must be greater than 1').default(3),
    minEpochs: z.number().int().min(1).default(1),
    maxEpochs: z.number().int().min(1).optional().describe('defaults to budget.maxEpochs'),
  })
  .strict();

registerTrialScheduler('asha', {
  options: ashaOptions,
  create: (spec, o) => new AshaScheduler({ reductionFactor: o.reductionFactor, minEpochs: o.minEpochs, maxEpochs: o.maxEpochs ?? spec.budget.maxEpochs, mode: spec.objective.mode }),
  check: (spec, o) => {
    const max = o.maxEpochs ?? spec.budget.maxEpochs;
    const issues: SpecIssue[] = [];
    if (max > spec.budget.maxEpochs) issues.push({ path: ['scheduler', 'maxEpochs'], message: `must not exceed budget.maxEpochs (${spec.budget.maxEpochs}), got ${max}` });
    if (o.minEpochs > max) issues.push({ path: ['scheduler', 'minEpochs'], message: `must not exceed maxEpochs (${max}), got ${o.minEpochs}` });
    return issues;
  },
});
