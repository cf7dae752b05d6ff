import { z } from 'zod';
import {
  augmentSchema, backendPreferences, bnModeSchema, dataSourceSchema, initSchema, modelSchema, optimizerRegistry, schedulerRegistry,
  schedulerIntervalSchema, splitRatiosSchema, warmupSchema,
} from '@tensorfleet/core';
import type { SchedulerName } from '@tensorfleet/core';
import { optimizerChoice, schedulerChoice } from './choices.js';
import { consistencyField } from './consistency.js';
import { transportField } from './transports.js';
import { launcherChoiceSchema } from './launchers.js';

/** The default run's model: the lecture's small convnet with BN and dropout 0.5. */
const DEFAULT_MODEL = { preset: 'mnist-small-cnn' };
/** The default run's augmentation: random ±2-pixel shifts (without them test accuracy sat at 95.6–96.9%). */
const DEFAULT_AUGMENT = { randomShift: { x: 2, y: 2, units: 'pixels' } };

/** Fields every scheduler variant takes besides its own options. */
export const schedulerExtras = { warmup: warmupSchema.optional(), interval: schedulerIntervalSchema };

/**
 * The training job a user describes in YAML or JSON: `tensorfleet train --config`, `tensorfleet ps`, and every HPO
 * trial (a study's `base` plus the sampled values). Every field has a default, so an empty file (or none) is the
 * README's default run: mnist-small-cnn on the 10k MNIST digits, 2 workers, SGD momentum 0.9, lr 0.01, L2 5e-4,
 * dropout 0.5, BN, label smoothing 0.1, ReduceLROnPlateau on val loss, random ±2-pixel shifts of the training digits,
 * 10 epochs of 32 samples per worker per step (≈ 97-98% test accuracy). This is the one definition: the CLI's flags,
 * the coordinator's trial check and docs/config.md derive from it.
 * @example
 * const config = trainConfigSchema.parse({ model: { preset: 'mlp' }, optimizer: { name: 'adam', lr: 3e-4 } });
 */
export const trainConfigSchema = z
  .object({
    model: modelSchema.prefault(DEFAULT_MODEL),
    init: initSchema.optional(),
    data: z
      .object({
        source: dataSourceSchema.prefault('mnist-digits'),
        sha256: z
          .record(z.string(), z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex digits'))
          .default({})
          .describe('expected SHA-256 of data files, by path (relative to the config file): a file with other content is refused'),
        split: splitRatiosSchema.default([0.8, 0.1, 0.1]),
        normalize: z.boolean().default(true).describe('per-channel normalization with the training split\'s statistics'),
        augment: augmentSchema.default(DEFAULT_AUGMENT as never).describe('augmentation of the training split; {} for none'),
      })
      .strict()
      .prefault({}),
    workers: z.number().int().min(1).max(64).default(2).describe('worker processes (the world size W)'),
    psShards: z.number().int().min(1).max(64).default(1).describe('parameter-server processes sharing the parameters (size-balanced)'),
    elastic: z.boolean().default(false).describe('workers may leave (evicted) and join (`tensorfleet worker --ps`) during training'),
    consistency: consistencyField
      .default('sync')
      .describe('sync: averaged lockstep steps; async: each gradient applied on arrival; ssp:S: async, at most S steps ahead'),
    transport: transportField,
    epochs: z.number().int().min(1).default(10).describe('passes over the training split'),
    batchSize: z.number().int().min(1).default(32).describe('samples per worker per step'),
    optimizer: optimizerChoice(optimizerRegistry, 'sgd').prefault({ name: 'sgd' }).describe('run by the parameter server; torch.optim names'),
    scheduler: schedulerChoice(schedulerRegistry, 'reduceLROnPlateau', schedulerExtras)
      .superRefine((s, ctx) => {
        if (s.interval === 'step' && schedulerRegistry[s.name as SchedulerName]?.stepsOn === 'metric') {
          ctx.addIssue({ code: 'custom', path: ['interval'], message: `'step' is not for ${s.name}, which steps on the validation loss at epoch ends` });
        }
      })
      .prefault({ name: 'reduceLROnPlateau' })
      .describe('learning-rate schedule, stepped at each epoch end (or every step with interval: step)'),
    l2: z.number().min(0).default(5e-4).describe('L2 penalty (λ/2)·Σw² on every kernel'),
    l1: z.number().min(0).default(0).describe('L1 penalty λ·Σ|w| on every kernel'),
    labelSmoothing: z.number().min(0).lt(1).default(0.1).describe('label smoothing ε of the cross-entropy'),
    backend: z.enum(backendPreferences).default('auto').describe('tfjs backend of the workers'),
    seed: z.number().int().default(1).describe('seeds the split, data order, dropout and init'),
    out: z.string().default('runs/latest').describe('run folder: summary.json and checkpoints/'),
    checkpointEvery: z.number().int().min(0).default(0).describe('also checkpoint every N steps; 0 = only at epoch ends'),
    launcher: launcherChoiceSchema.prefault('local').describe('where the workers run: local (child processes) or {ssh: {hosts: hosts.txt}}'),
    accuracyTargets: z.array(z.number().gt(0).lte(1)).default([0.9, 0.95, 0.97]).describe('val accuracies whose time-to-reach summary.json reports'),
  })
  .strict()
  .superRefine((c, ctx) => {
    // Parameter shards learn the learning rate at epoch starts, so a per-step schedule cannot reach them.
    if (c.scheduler.interval === 'step' && c.psShards > 1) {
      ctx.addIssue({ code: 'custom', path: ['scheduler', 'interval'], message: "'step' needs psShards 1 (shards learn the lr at epoch starts)" });
    }
  });

export type TrainConfig = z.output<typeof trainConfigSchema>;
export type TrainConfigInput = z.input<typeof trainConfigSchema>;

/** How BatchNorm runs across workers for a parsed config's model. */
export function bnModeOf(config: TrainConfig): z.output<typeof bnModeSchema> {
  return (config.model.bn as z.output<typeof bnModeSchema> | undefined) ?? true;
}
