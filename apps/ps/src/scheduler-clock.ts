import { schedulerRegistry, stepAtEpochEnd, type LRScheduler, type SchedulerInterval, type SchedulerName } from '@tensorfleet/core';

/** Steps a run's learning-rate scheduler at the moments its interval says; the training loops and the epoch end call it. */
export interface SchedulerClock {
  /** After each applied optimizer step (every applied gradient in async/ssp runs). */
  afterUpdate(): void;
  /** At an epoch's end, with the monitored metric (validation loss, else training loss). */
  atEpochEnd(metric: number): void;
}

/**
 * The clock of a run's scheduler. 'epoch': stepped at epoch ends as its registry entry says (ReduceLROnPlateau with the
 * metric); a warmup with no scheduler after it (`name` null) steps without one. 'step': stepped after every update.
 * @example
 * const clock = schedulerClock(scheduler, 'cosine', 'step');
 * optimizer.step(grads); clock.afterUpdate();
 */
export function schedulerClock(scheduler: LRScheduler | null, name: SchedulerName | null, interval: SchedulerInterval): SchedulerClock {
  if (!scheduler) return { afterUpdate: () => {}, atEpochEnd: () => {} };
  if (interval === 'step') return { afterUpdate: () => (scheduler as unknown as { step(): void }).step(), atEpochEnd: () => {} };
  const entry = name ? schedulerRegistry[name] : null;
  return { afterUpdate: () => {}, atEpochEnd: (metric) => stepAtEpochEnd(entry, scheduler, metric) };
}
