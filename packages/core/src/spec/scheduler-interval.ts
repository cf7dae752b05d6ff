import { z } from 'zod';

/** When a scheduler steps: at each epoch end (torch's usual loop), or after every optimizer step (per iteration). */
export const schedulerIntervals = ['epoch', 'step'] as const;
export type SchedulerInterval = (typeof schedulerIntervals)[number];

/** `scheduler.interval`: per epoch (default) or per optimizer step, where torch allows it (not ReduceLROnPlateau). */
export const schedulerIntervalSchema = z
  .enum(schedulerIntervals)
  .default('epoch')
  .describe("'epoch': the scheduler (and warmup) steps at each epoch end; 'step': after every optimizer step, lengths count steps");
