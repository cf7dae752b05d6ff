import { CheckpointCommits } from './checkpoint-commits.js';
import { randomUUID } from 'node:crypto';
import {
  assignNamedWeights, buildModel, createOptimizer, createScheduler, createTrainer, createWarmupScheduler, loadDatasetSpec,
  type LRScheduler, type Optimizer, type Trainer,
} from '@tensorfleet/core';
import { prepareCheckpointFolder } from './checkpoint-folder.js';
import { emptyEpochTotals, type EpochTotals } from './epoch-totals.js';
import { FrozenParameters } from './frozen-parameters.js';
import { resumeFromLatestCheckpoint } from './run-checkpoint.js';
import { schedulerClock, type SchedulerClock } from './scheduler-clock.js';
import type { EpochSummary } from './run-types.js';
import { partitionParameters } from './partition.js';
import type { resolveOptions } from './options.js';

export type ResolvedOptions = ReturnType<typeof resolveOptions>;

/** What a run trains and where it stands: built from the options, then moved to the newest checkpoint on resume. */
export interface PreparedRun {
  data: ReturnType<typeof loadDatasetSpec>;
  stepsPerEpoch: number;
  model: ReturnType<typeof buildModel>;
  trainer: Trainer;
  /** Every parameter tensor of the model (the shards' parts are copied in when gathered). */
  parameters: Float32Array[];
  states: Float32Array[];
  /** parts[k] = indices of the parameters owned by server k (0 = this primary server). */
  parts: number[][];
  owned: number[];
  ownedParameters: Float32Array[];
  optimizer: Optimizer;
  /** Which owned parameters the optimizer moves and which BN statistics stay (frozen layers). */
  freeze: FrozenParameters;
  scheduler: LRScheduler | null;
  /** Steps the scheduler per epoch or per update (options.schedulerInterval). */
  schedulerClock: SchedulerClock;
  runId: string;
  step: number;
  epoch: number;
  /** Optimizer updates applied over the run (a resumed run's included). */
  updates: number;
  history: EpochSummary[];
  /** The newest checkpoint on disk (a commit in flight counts once {@link checkpointCommits} settled). */
  lastCheckpoint: string | null;
  checkpointCommits: CheckpointCommits;
  /** The checkpoint folder resumed from ('' for a fresh run): the shards resume their parts from it too. */
  resumedFrom: string;
  /** Sync epochs: the sums of the current epoch's steps so far (carried over from a mid-epoch checkpoint on resume). */
  epochTotals: EpochTotals;
  /** performance.now() when this process started training the current epoch (the checkpoint's priorSeconds). */
  epochStartedAt: number;
  /** What preparing the run found wrong but could get past (broken checkpoints passed over, stale temp folders): one line each, for the log. */
  warnings: string[];
}

/**
 * Checks that the checkpoint folder is writable (before any training is spent), loads the data, builds model, trainer,
 * optimizer and scheduler, and resumes from a checkpoint when asked.
 */
export function prepareRun(o: ResolvedOptions): PreparedRun {
  const { job } = o;
  const warnings = o.checkpoint ? prepareCheckpointFolder(o.checkpoint.dir) : [];
  const data = loadDatasetSpec(job.dataset, { baseDir: o.baseDir });
  const perWorker = Math.ceil(data.train.count / o.workers);
  const stepsPerEpoch = Math.min(Math.floor(perWorker / job.batchSize), job.maxStepsPerEpoch ?? Infinity);
  if (stepsPerEpoch < 1) {
    throw new Error(`startParameterServer: a shard of ${perWorker} training samples per worker holds no full batch of ${job.batchSize}`);
  }

  const model = buildModel(job.model);
  // Pretrained weights (init.from, a tfjs model's own): a fresh run starts from them; a resume then overwrites them.
  if (o.initialWeights) assignNamedWeights(model, o.initialWeights);
  const trainer: Trainer = createTrainer(model, job.trainer ?? {});
  const parameters = trainer.getParameters();
  // Sharded servers: this (primary) server owns part 0 of a size-balanced partition, each shard one other part.
  const parts = partitionParameters(trainer.parameterShapes, o.shards.length + 1);
  const owned = parts[0]!;
  const ownedParameters = owned.map((i) => parameters[i]!);
  const freeze = new FrozenParameters(trainer, owned);
  const optimizer: Optimizer = createOptimizer(o.optimizer.name, freeze.trainableOf(ownedParameters), o.optimizer.options as never);
  const main = o.scheduler ? { name: o.scheduler.name, options: (o.scheduler.options ?? {}) as never } : null;
  const scheduler: LRScheduler | null = o.warmup
    ? createWarmupScheduler(optimizer, o.warmup, main)
    : main ? createScheduler(main.name, optimizer, main.options) : null;

  const run: PreparedRun = {
    data, stepsPerEpoch, model, trainer, parameters, states: trainer.getStates(), parts, owned, ownedParameters, optimizer, freeze, scheduler,
    schedulerClock: schedulerClock(scheduler, o.scheduler?.name ?? null, o.schedulerInterval),
    runId: o.runId ?? randomUUID(), step: 0, epoch: 0, updates: 0, history: [], lastCheckpoint: null, checkpointCommits: new CheckpointCommits(), resumedFrom: '',
    epochTotals: emptyEpochTotals(), epochStartedAt: performance.now(), warnings,
  };
  if (o.resume && o.checkpoint) resumeFromLatestCheckpoint(o, run);
  return run;
}
