/**
 * Learning-rate schedulers with torch 1.13 semantics. Each drives (a) a core optimizer (anything with
 * `paramGroups[i].lr`), (b) a tfjs optimizer (`tf.train.sgd(...)`, `adam`, ...), or (c) model.fit via
 * {@link reduceLROnPlateau} / {@link lrSchedulerCallback}. See README.md in this folder.
 */
export type { LRScheduler, EpochScheduler, SchedulerStateDict } from './scheduler.js';
export { EpochLRScheduler } from './scheduler.js';
export type { SchedulerTarget, ParamGroupsLike, TfjsOptimizerLike, ModelLike } from './target.js';
export {
  ReduceLROnPlateau, type ReduceLROnPlateauOptions, type ResolvedPlateauOptions, type MetricValue,
} from './reduce-lr-on-plateau.js';
export { StepLR, type StepLROptions } from './step-lr.js';
export { MultiStepLR, type MultiStepLROptions } from './multi-step-lr.js';
export { ExponentialLR, type ExponentialLROptions } from './exponential-lr.js';
export { CosineAnnealingLR, type CosineAnnealingLROptions } from './cosine-annealing-lr.js';
export { LinearLR, type LinearLROptions } from './linear-lr.js';
export { LinearWarmup, type LinearWarmupOptions, type MainSchedulerFactory } from './linear-warmup.js';
export {
  createScheduler, createWarmupScheduler, schedulerNames, type SchedulerName, type SchedulerByName, type SchedulerOptionsByName,
} from './create.js';
export {
  reduceLROnPlateau, ReduceLROnPlateauCallback, type ReduceLROnPlateauCallbackOptions,
  lrSchedulerCallback, LRSchedulerCallback,
} from './callbacks.js';
