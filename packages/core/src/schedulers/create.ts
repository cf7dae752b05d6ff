import { CosineAnnealingLR, type CosineAnnealingLROptions } from './cosine-annealing-lr.js';
import { ExponentialLR, type ExponentialLROptions } from './exponential-lr.js';
import { LinearLR, type LinearLROptions } from './linear-lr.js';
import { LinearWarmup, type LinearWarmupOptions } from './linear-warmup.js';
import { MultiStepLR, type MultiStepLROptions } from './multi-step-lr.js';
import { ReduceLROnPlateau, type ReduceLROnPlateauOptions } from './reduce-lr-on-plateau.js';
import { StepLR, type StepLROptions } from './step-lr.js';
import type { SchedulerTarget } from './target.js';

/** Scheduler options by `createScheduler` name. */
export interface SchedulerOptionsByName {
  reduceLROnPlateau: ReduceLROnPlateauOptions;
  step: StepLROptions;
  multiStep: MultiStepLROptions;
  exponential: ExponentialLROptions;
  cosine: CosineAnnealingLROptions;
  linear: LinearLROptions;
}

/** Scheduler class by `createScheduler` name. */
export interface SchedulerByName {
  reduceLROnPlateau: ReduceLROnPlateau;
  step: StepLR;
  multiStep: MultiStepLR;
  exponential: ExponentialLR;
  cosine: CosineAnnealingLR;
  linear: LinearLR;
}

export type SchedulerName = keyof SchedulerByName;

const factories: { [K in SchedulerName]: (t: SchedulerTarget, o: SchedulerOptionsByName[K]) => SchedulerByName[K] } = {
  reduceLROnPlateau: (t, o) => new ReduceLROnPlateau(t, o),
  step: (t, o) => new StepLR(t, o),
  multiStep: (t, o) => new MultiStepLR(t, o),
  exponential: (t, o) => new ExponentialLR(t, o),
  cosine: (t, o) => new CosineAnnealingLR(t, o),
  linear: (t, o) => new LinearLR(t, o),
};

/** The names `createScheduler` accepts. */
export const schedulerNames = Object.keys(factories) as SchedulerName[];

/**
 * Builds a scheduler by name (for configs and the CLI).
 * @example
 * const sched = createScheduler('cosine', optimizer, { tMax: 20, etaMin: 1e-5 });
 * const plateau = createScheduler('reduceLROnPlateau', tf.train.adam(1e-3), { patience: 2 });
 */
export function createScheduler<K extends SchedulerName>(
  name: K, target: SchedulerTarget, options: SchedulerOptionsByName[K],
): SchedulerByName[K] {
  if (!Object.prototype.hasOwnProperty.call(factories, name)) {
    throw new RangeError(`createScheduler: unknown scheduler '${String(name)}' (known: ${schedulerNames.join(', ')})`);
  }
  return factories[name](target, options ?? ({} as SchedulerOptionsByName[K]));
}

/**
 * A scheduler by name after a linear warmup ({@link LinearWarmup}, torch's SequentialLR of LinearLR then the main
 * one); `main` null keeps the lr constant once warmed up.
 * @example
 * const sched = createWarmupScheduler(optimizer, { epochs: 3, startFactor: 0.1 }, { name: 'cosine', options: { tMax: 20 } });
 */
export function createWarmupScheduler<K extends SchedulerName>(
  target: SchedulerTarget, warmup: LinearWarmupOptions, main: { name: K; options: SchedulerOptionsByName[K] } | null,
): LinearWarmup {
  return new LinearWarmup(target, warmup, main ? (t) => createScheduler(main.name, t, main.options) : null);
}
