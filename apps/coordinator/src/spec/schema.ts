import { z } from 'zod';
import { searchSpaceSchema } from './space.js';

/** Metrics a trial reports per epoch (the train command's `msg:"epoch"` line fields). */
export const epochMetricNames = ['loss', 'accuracy', 'valLoss', 'valAccuracy', 'valTop5'] as const;
export type EpochMetricName = (typeof epochMetricNames)[number];

const nodeSchema = z
  .object({
    name: z.string().min(1),
    host: z.string().min(1).default('localhost'),
    slots: z.number().int().min(1),
    gpus: z.number().int().min(0).default(0),
  })
  .strict();

/** A node inventory: the machines trials may run on, with their worker slots and GPU counts. */
export const inventorySchema = z
  .object({ nodes: z.array(nodeSchema).min(1, 'an inventory needs at least one node') })
  .strict()
  .refine((inv) => new Set(inv.nodes.map((n) => n.name)).size === inv.nodes.length, { message: 'node names must be unique', path: ['nodes'] });
export type Inventory = z.output<typeof inventorySchema>;
export type InventoryNode = Inventory['nodes'][number];

const fifoSchema = z.object({ name: z.literal('fifo') }).strict();
const ashaSchema = z
  .object({
    name: z.literal('asha'),
    reductionFactor: z.number().gt(1, 'reductionFactor (η) must be greater than 1').default(3),
    minEpochs: z.number().int().min(1).default(1),
    maxEpochs: z.number().int().min(1).optional().describe('defaults to budget.maxEpochs'),
  })
  .strict();

/**
 * A study: which train config to start from, which of its fields to search over and how, what to optimize, how much to
 * spend, and what each trial needs. YAML or JSON; every problem is reported with its field path.
 */
export const studySpecSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9][\w.-]*$/, 'use letters, digits, ".", "_" or "-" (it names a folder)'),
    description: z.string().optional(),
    searcher: z.enum(['random', 'grid']).default('random'),
    seed: z.number().int().default(0),
    objective: z
      .object({
        metric: z.enum(epochMetricNames),
        mode: z.enum(['max', 'min']).optional().describe('defaults to min for losses, max for accuracies'),
      })
      .strict()
      .transform((o) => ({ metric: o.metric, mode: o.mode ?? (o.metric.toLowerCase().endsWith('loss') ? 'min' : 'max') } as const)),
    budget: z
      .object({
        trials: z.number().int().min(1).optional().describe('required for random search; grid defaults to the grid size'),
        maxConcurrent: z.number().int().min(1).default(1),
        maxEpochs: z.number().int().min(1),
      })
      .strict(),
    resources: z
      .object({ workers: z.number().int().min(1).default(1), gpusPerWorker: z.number().int().min(0).default(0) })
      .strict()
      .prefault({}),
    scheduler: z.discriminatedUnion('name', [fifoSchema, ashaSchema]).prefault({ name: 'fifo' }),
    space: searchSpaceSchema,
    base: z.record(z.string(), z.unknown()).default({}).describe('the train config every trial starts from'),
    trial: z
      .object({
        command: z.array(z.string()).min(1).optional().describe('argv with {config} {dir} {trial} {study} placeholders; default: tensorfleet train'),
        resumeArgs: z.array(z.string()).default(['--resume']),
        env: z.record(z.string(), z.string()).default({}),
        stopGraceMs: z.number().int().min(0).default(5000),
      })
      .strict()
      .prefault({}),
    crash: z
      .object({ explodeFactor: z.number().gt(1).default(10).describe('loss above this many times the first epoch loss counts as exploded') })
      .strict()
      .prefault({}),
    inventory: z.union([z.string(), inventorySchema]).optional().describe('a file path or an inline inventory; default this machine'),
    out: z.string().optional().describe('study folder; default runs/hpo/<name> next to the storage file'),
  })
  .strict()
  .superRefine((spec, ctx) => {
    if (spec.searcher === 'random' && spec.budget.trials === undefined) {
      ctx.addIssue({ code: 'custom', path: ['budget', 'trials'], message: 'random search needs budget.trials' });
    }
    if (spec.scheduler.name === 'asha') {
      const max = spec.scheduler.maxEpochs ?? spec.budget.maxEpochs;
      if (max > spec.budget.maxEpochs) ctx.addIssue({ code: 'custom', path: ['scheduler', 'maxEpochs'], message: `must not exceed budget.maxEpochs (${spec.budget.maxEpochs}), got ${max}` });
      if (spec.scheduler.minEpochs > max) ctx.addIssue({ code: 'custom', path: ['scheduler', 'minEpochs'], message: `must not exceed maxEpochs (${max}), got ${spec.scheduler.minEpochs}` });
    }
  });

export type StudySpecInput = z.input<typeof studySpecSchema>;
export type StudySpec = z.output<typeof studySpecSchema>;
export type Objective = StudySpec['objective'];
