import { objectiveMetricFields } from '@tensorfleet/protocol';
import { z } from 'zod';
import { searcherRegistry } from '../search/registry.js';
import { trialSchedulerRegistry } from '../schedulers/registry.js';
import { studyLauncherSchema } from './launcher.js';
import type { SpecIssue } from './named-registry.js';
import { searchSpaceSchema } from './space.js';

/** Metrics a study may optimize: the epoch line's quality fields (the run-report contract). */
export const epochMetricNames = objectiveMetricFields;
export type EpochMetricName = (typeof epochMetricNames)[number];

const nodeSchema = z
  .object({
    name: z.string().min(1),
    host: z.string().min(1).default('localhost'),
    slots: z.number().int().min(1),
    gpus: z
      .union([z.number().int().min(0), z.array(z.number().int().min(0))])
      .default(0)
      .describe('GPU count (ids 0..N-1) or the GPU ids themselves'),
  })
  .strict();

/** A node inventory: the machines trials may run on, with their worker slots and GPU counts. */
export const inventorySchema = z
  .object({ nodes: z.array(nodeSchema).min(1, 'an inventory needs at least one node') })
  .strict()
  .refine((inv) => new Set(inv.nodes.map((n) => n.name)).size === inv.nodes.length, { message: 'node names must be unique', path: ['nodes'] });
export type Inventory = z.output<typeof inventorySchema>;
export type InventoryNode = Inventory['nodes'][number];

/** A registry name, or `{ name, ...options }` (the options are checked by the registry entry's schema). */
const namedChoice = z.union([z.string().min(1), z.object({ name: z.string().min(1) }).loose()]);

/** The spec's fields as written (searcher and scheduler still unresolved). */
const specFields = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9][\w.-]*$/, 'use letters, digits, ".", "_" or "-" (it names a folder)'),
    description: z.string().optional(),
    searcher: namedChoice.default('random').describe('a registered searcher: random, grid, or one added with registerSearcher'),
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
    scheduler: z.object({ name: z.string().min(1) }).loose().prefault({ name: 'fifo' }).describe('a registered trial scheduler (fifo, asha, or one added with registerTrialScheduler) and its options'),
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
    launcher: studyLauncherSchema
      .prefault('local')
      .describe("where trials run: local (child processes of the coordinator), {ssh: {hosts: hosts.txt}} (one `tensorfleet train` per trial on a host; the hosts' slots and GPUs are the inventory and they must see the study folder at the same path), {slurm: {partition, time, account, ...}} (one batch job each) or {kubernetes: {image, namespace, ...}} (one Job each; not run against a live cluster)"),
    inventory: z.union([z.string(), inventorySchema]).optional().describe('a file path or an inline inventory; default this machine (ssh: the hosts)'),
    out: z.string().optional().describe('study folder; default runs/hpo/<name> next to the storage file'),
  })
  .strict();

type SpecFields = z.output<typeof specFields>;

/** A validated study: `searcher` and `scheduler.name` are registry keys, their options parsed by the entry. */
export type StudySpec = Omit<SpecFields, 'searcher' | 'scheduler'> & {
  searcher: string;
  searcherOptions: Record<string, unknown>;
  scheduler: { name: string } & Record<string, unknown>;
};

/** Looks the searcher and scheduler up in their registries, parses their options and runs their spec checks. */
function resolveRegistered(fields: SpecFields, ctx: z.RefinementCtx): StudySpec {
  const issues: SpecIssue[] = [];
  const { name: searcher, ...searcherRaw } = typeof fields.searcher === 'string' ? { name: fields.searcher } : fields.searcher;
  const { name: scheduler, ...schedulerRaw } = fields.scheduler;
  const searchers = searcherRegistry.get(searcher);
  const schedulers = trialSchedulerRegistry.get(scheduler);
  if (!searchers) issues.push({ path: ['searcher'], message: searcherRegistry.unknown(searcher) });
  if (!schedulers) issues.push({ path: ['scheduler', 'name'], message: trialSchedulerRegistry.unknown(scheduler) });
  const searcherOptions = searchers?.options.safeParse(searcherRaw);
  const schedulerOptions = schedulers?.options.safeParse(schedulerRaw);
  for (const i of searcherOptions?.error?.issues ?? []) issues.push({ path: ['searcher', ...i.path.map(String)], message: i.message });
  for (const i of schedulerOptions?.error?.issues ?? []) issues.push({ path: ['scheduler', ...i.path.map(String)], message: i.message });
  const spec: StudySpec = {
    ...fields,
    searcher,
    searcherOptions: (searcherOptions?.data ?? {}) as Record<string, unknown>,
    scheduler: { name: scheduler, ...(schedulerOptions?.data as Record<string, unknown> | undefined) },
  };
  if (!issues.length) {
    issues.push(...(searchers?.check?.(spec, spec.searcherOptions) ?? []));
    const { name: _, ...parsedSchedulerOptions } = spec.scheduler;
    issues.push(...(schedulers?.check?.(spec, parsedSchedulerOptions) ?? []));
  }
  for (const issue of issues) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
  return issues.length ? z.NEVER : spec;
}

/**
 * A study: which train config to start from, which of its fields to search over and how, what to optimize, how much to
 * spend, and what each trial needs. YAML or JSON; every problem is reported with its field path. Searcher and scheduler
 * names are looked up in their registries when a spec is parsed, so names registered later are accepted.
 */
export const studySpecSchema = specFields.transform(resolveRegistered);

export type StudySpecInput = z.input<typeof studySpecSchema>;
export type Objective = StudySpec['objective'];
