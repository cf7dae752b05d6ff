import { z } from 'zod';

/**
 * The training job a user describes, in YAML or JSON. Every field has a default, so an empty file (or none) is the
 * README's default run: mnist-small-cnn on the 10k MNIST digits, 2 workers, SGD momentum 0.9, lr 0.01, L2 5e-4,
 * dropout 0.5, BN, label smoothing 0.1, ReduceLROnPlateau on val loss, random ±2-pixel shifts of the training digits,
 * 10 epochs of 32 samples per worker per step (≈ 97-98% test accuracy).
 */
export const trainConfigSchema = z
  .object({
    model: z
      .object({
        preset: z.enum(['mlp', 'mnist-small-cnn', 'seed-convnet']).default('mnist-small-cnn'),
        bn: z
          .union([z.boolean(), z.enum(['local', 'sync'])])
          .default(true)
          .describe("false: no BN; true or 'local': per-worker batch statistics (running stats averaged); 'sync': true SyncBN"),
        dropoutFc: z.number().min(0).lt(1).optional().describe("default: the preset's (0.5; the mlp's 0.2)"),
        dropoutConv: z.number().min(0).lt(1).optional().describe("default: the preset's (0; seed-convnet's 0.05)"),
      })
      .strict()
      .prefault({}),
    data: z
      .object({
        source: z.literal('mnist-digits').default('mnist-digits'),
        split: z.array(z.number().positive()).length(3).default([0.8, 0.1, 0.1]),
        normalize: z.boolean().default(true),
        augment: z
          .record(z.string(), z.unknown())
          .default({ randomShift: { x: 2, y: 2, units: 'pixels' } })
          .describe("core's AugmentConfig (training split only), checked when the data loads; {} for none"),
      })
      .strict()
      .prefault({}),
    workers: z.number().int().min(1).max(64).default(2),
    psShards: z.number().int().min(1).max(64).default(1).describe('parameter-server processes sharing the parameters (size-balanced)'),
    elastic: z.boolean().default(false).describe('workers may leave (evicted) and join (`tensorfleet worker --ps`) during training'),
    consistency: z
      .string()
      .regex(/^(sync|async|ssp:\d+)$/, 'expected "sync", "async" or "ssp:S" (S a non-negative integer)')
      .default('sync')
      .describe('sync: averaged lockstep steps; async: each gradient applied on arrival; ssp:S: async, at most S steps ahead'),
    epochs: z.number().int().min(1).default(10),
    batchSize: z.number().int().min(1).default(32).describe('per worker'),
    optimizer: z
      .object({
        name: z.enum(['sgd', 'adam', 'adamw', 'rmsprop', 'adagrad']).default('sgd'),
        lr: z.number().positive().optional().describe('default: sgd 0.01, adam/adamw 1e-3, rmsprop 0.01, adagrad 0.01'),
        momentum: z.number().min(0).optional().describe('sgd and rmsprop only; sgd defaults to 0.9'),
        weightDecay: z.number().min(0).default(0),
      })
      .strict()
      .prefault({}),
    scheduler: z
      .object({
        name: z.enum(['reduceLROnPlateau', 'none']).default('reduceLROnPlateau'),
        factor: z.number().positive().lt(1).default(0.1),
        patience: z.number().int().min(0).default(2),
      })
      .strict()
      .prefault({}),
    l2: z.number().min(0).default(5e-4),
    l1: z.number().min(0).default(0),
    labelSmoothing: z.number().min(0).lt(1).default(0.1),
    backend: z.enum(['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu']).default('auto'),
    seed: z.number().int().default(1),
    out: z.string().default('runs/latest'),
    checkpointEvery: z.number().int().min(0).default(0).describe('steps; 0 = only at epoch ends'),
    accuracyTargets: z.array(z.number().gt(0).lte(1)).default([0.9, 0.95, 0.97]),
  })
  .strict();

export type TrainConfig = z.infer<typeof trainConfigSchema>;
export type TrainConfigInput = z.input<typeof trainConfigSchema>;
