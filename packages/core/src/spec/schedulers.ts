import { z } from 'zod';
import { SGD } from '../optim/sgd.js';
import { createScheduler, type SchedulerName } from '../schedulers/create.js';
import type { LRScheduler } from '../schedulers/scheduler.js';
import type { SchedulerTarget } from '../schedulers/target.js';

/**
 * What a config may say about one learning-rate scheduler. The scheduler classes own their ranges and defaults
 * (torch's); the entry adds the option types and docs, reads the defaults back from a scheduler built with only the
 * required options, and validates a config by building one (so a config is refused exactly when the class would
 * refuse it, with the class's message).
 */
export interface SchedulerEntry {
  doc: string;
  /** Strict zod object of the options, with every default filled in. */
  options: z.ZodObject;
  /** 'metric': stepped once per epoch with the validation loss (ReduceLROnPlateau); 'epoch': once per epoch. */
  stepsOn: 'metric' | 'epoch';
  create(target: SchedulerTarget, options: Record<string, unknown>): LRScheduler;
}

/** A one-group optimizer to build throwaway schedulers on (defaults, validation). */
const scratchTarget = (): SGD => new SGD([new Float32Array(1)], { lr: 0.1 });

interface Field {
  type: z.ZodType;
  doc: string;
  /** Required options have no default; `example` is used only to read the others' defaults back. */
  required?: { example: unknown };
  /** A default of the lecture's that replaces torch's in a config. */
  configDefault?: unknown;
}

function entry(name: SchedulerName, doc: string, stepsOn: SchedulerEntry['stepsOn'], fields: Record<string, Field>): SchedulerEntry {
  const create = (t: SchedulerTarget, o: Record<string, unknown>) => createScheduler(name, t, o as never);
  const example = Object.fromEntries(Object.entries(fields).flatMap(([k, f]) => (f.required ? [[k, f.required.example]] : [])));
  const resolved = create(scratchTarget(), example).stateDict().options;
  const shape: Record<string, z.ZodType> = {};
  for (const [key, f] of Object.entries(fields)) {
    const described = f.type.describe(f.doc);
    const fallback = f.configDefault ?? resolved[key];
    shape[key] = f.required ? described : described.default(fallback as never);
  }
  return { doc, stepsOn, create, options: z.object(shape).strict() };
}

const num = z.number();
const positiveInt = z.number().int().min(1);

/**
 * Every scheduler a config can name, by `scheduler.name`, with all of its options (torch's names, camelCase).
 * Adding a scheduler is its class, a `createScheduler` line and one entry here.
 * @example
 * const o = schedulerRegistry.cosine.options.parse({ tMax: 20 }); // { tMax: 20, etaMin: 0 }
 * schedulerRegistry.cosine.create(optimizer, o);
 */
export const schedulerRegistry: Record<SchedulerName, SchedulerEntry> = {
  reduceLROnPlateau: entry('reduceLROnPlateau', 'torch ReduceLROnPlateau on the validation loss (train loss without a val split)', 'metric', {
    mode: { type: z.enum(['min', 'max']), doc: "'min': a lower metric is better" },
    factor: { type: num, doc: 'new lr = lr·factor', configDefault: 0.1 },
    patience: { type: z.number().int(), doc: 'bad epochs tolerated before reducing (the lecture: 2)', configDefault: 2 },
    threshold: { type: num, doc: 'minimum improvement that counts' },
    thresholdMode: { type: z.enum(['rel', 'abs']), doc: 'threshold relative to the best value, or absolute' },
    cooldown: { type: z.number().int(), doc: 'epochs after a reduction in which bad epochs are not counted' },
    minLr: { type: z.union([num, z.array(num)]), doc: 'floor of the lr (one per param group, or one for all)', configDefault: 0 },
    eps: { type: num, doc: 'a reduction smaller than eps is skipped' },
    verbose: { type: z.boolean(), doc: "print torch's line when the lr is reduced" },
  }),
  step: entry('step', 'torch StepLR: lr·gamma every stepSize epochs', 'epoch', {
    stepSize: { type: positiveInt, doc: 'epochs between decays', required: { example: 1 } },
    gamma: { type: num, doc: 'multiplicative decay' },
  }),
  multiStep: entry('multiStep', 'torch MultiStepLR: lr·gamma at each milestone epoch', 'epoch', {
    milestones: { type: z.array(z.number().int()), doc: 'epochs at which the lr decays', required: { example: [1] } },
    gamma: { type: num, doc: 'multiplicative decay' },
  }),
  exponential: entry('exponential', 'torch ExponentialLR: lr·gamma every epoch', 'epoch', {
    gamma: { type: num, doc: 'multiplicative decay per epoch', required: { example: 0.9 } },
  }),
  cosine: entry('cosine', 'torch CosineAnnealingLR', 'epoch', {
    tMax: { type: positiveInt, doc: 'epochs of a half period', required: { example: 1 } },
    etaMin: { type: num, doc: 'lowest lr' },
  }),
  linear: entry('linear', 'torch LinearLR: the lr factor moves linearly from startFactor to endFactor', 'epoch', {
    startFactor: { type: num, doc: 'factor at epoch 0' },
    endFactor: { type: num, doc: 'factor reached at totalIters' },
    totalIters: { type: positiveInt, doc: 'epochs from startFactor to endFactor' },
  }),
};

/**
 * Steps a scheduler at an epoch's end the way its entry says: with the monitored metric, or without one. A null
 * entry is a warmup with no scheduler after it (a constant lr once warmed up).
 * @example
 * stepAtEpochEnd(schedulerRegistry[name], scheduler, valLoss);
 */
export function stepAtEpochEnd(entry: SchedulerEntry | null, scheduler: LRScheduler, metric: number): void {
  if (entry?.stepsOn === 'metric') scheduler.step(metric);
  else (scheduler as unknown as { step(): void }).step();
}

/** Builds a scheduler from options on a throwaway optimizer; throws the class's own error when they are refused. */
export function checkSchedulerOptions(entry: SchedulerEntry, options: Record<string, unknown>): void {
  entry.create(scratchTarget(), options);
}
