import { z } from 'zod';

/**
 * `scheduler.warmup`: a linear warmup chained before the scheduler (torch's SequentialLR of LinearLR then it), core's
 * LinearWarmup; with `name: none` the lr stays constant after it.
 * @example
 * warmupSchema.parse({ epochs: 3, startFactor: 0.1 });
 */
export const warmupSchema = z
  .object({
    epochs: z.number().int().min(1).describe('warmup epochs (optimizer steps with interval: step); the scheduler takes over then'),
    startFactor: z.number().gt(0).lte(1).default(1 / 3).describe("lr factor of the first epoch, rising linearly to 1 (torch LinearLR's default 1/3)"),
  })
  .strict()
  .describe('linear warmup before the scheduler');
