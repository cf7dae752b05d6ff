import {
  modelField, modelWeights, ModelInitError, resolveModel, resolveModelInit, schedulerRegistry, type DatasetSpec,
  type LinearWarmupOptions, type NamedWeights, type SchedulerInterval, type OptimizerName, type PreparedDataset, type SchedulerName,
} from '@tensorfleet/core';
import { validateTrainJobSpec, type TrainJobSpec } from '../job.js';
import { checkDataFiles, loadConfigData } from './config-data.js';
import { ConfigError } from './load-config.js';
import { bnModeOf, type TrainConfig } from './train-config.js';

/** What a parameter server needs from a config: the job every worker receives, and the PS-side optimizer/scheduler. */
export interface ResolvedJob {
  job: TrainJobSpec;
  optimizer: { name: OptimizerName; options: Record<string, unknown> };
  scheduler: { name: SchedulerName; options: Record<string, unknown> } | null;
  /** Linear warmup before the scheduler (or before a constant lr when `scheduler` is null). */
  warmup: LinearWarmupOptions | null;
  /** When the scheduler steps: each epoch end, or after every optimizer step. */
  schedulerInterval: SchedulerInterval;
  /** Pretrained weights a fresh run starts from (init.from, or the tfjs model file's own), by name. */
  initialWeights: NamedWeights | null;
  /** The loaded data the model was sized from (the parameter server in the same process may reuse it). */
  data: PreparedDataset;
}

/** Runs a step that reads the user's files; its failure is the config's fault (exit 2), named by its field. */
function asConfigError<T>(field: string, step: () => T): T {
  try {
    return step();
  } catch (err) {
    const message = (err as Error).message;
    throw new ConfigError(message.startsWith(field) ? message : `${field}: ${message}`);
  }
}

function withoutName(choice: { name: string }): Record<string, unknown> {
  const { name: _name, warmup: _warmup, interval: _interval, ...options } = choice as Record<string, unknown>;
  return options;
}

/**
 * Turns a resolved training config (resolveTrainConfig: paths absolute) into the parameter server's job: the data, the model sized from that data, per-worker batch size, label smoothing, and the
 * optimizer and scheduler with every option filled in. Loads the data once to learn its shape and class count.
 * @example
 * const { job, optimizer, scheduler } = jobFromConfig(resolveTrainConfig({}));
 */
export function jobFromConfig(config: TrainConfig, { baseDir = process.cwd() }: { baseDir?: string } = {}): ResolvedJob {
  const dataset: DatasetSpec = {
    source: config.data.source as DatasetSpec['source'],
    split: { ratios: config.data.split, seed: config.seed, stratify: true },
    normalize: config.data.normalize,
    ...(Object.keys(config.data.augment).length ? { augment: config.data.augment } : {}),
  };
  checkDataFiles(dataset.source, config.data.sha256); // missing files and wrong hashes are bad input, named by field
  const data = loadConfigData(dataset, baseDir);
  const sized = asConfigError('model', () => resolveModel(config.model, {
    baseDir,
    inputShape: [data.source.height, data.source.width, data.source.channels],
    numClasses: data.source.numClasses,
    seed: config.seed,
    l1: config.l1,
    l2: config.l2,
  }));
  // Fine-tuning (init) and a model file's own weights: the spec may get a new head, the PS its initial weights.
  let fine;
  try {
    fine = resolveModelInit({
      spec: sized, modelField: modelField(config.model), ownWeights: modelWeights(config.model, { baseDir }),
      init: config.init, data: { numClasses: data.source.numClasses }, baseDir,
    });
  } catch (err) {
    throw err instanceof ModelInitError ? new ConfigError(err.message) : err;
  }
  const model = fine.spec;
  const bn = bnModeOf(config);
  const job = validateTrainJobSpec({
    model,
    dataset,
    batchSize: config.batchSize,
    epochs: config.epochs,
    dataSeed: config.seed,
    trainer: { labelSmoothing: config.labelSmoothing, ...(fine.frozen.length ? { frozen: fine.frozen } : {}) },
    ...(bn === 'sync' ? { bn: 'sync' as const } : {}),
  });
  const optimizerName = config.optimizer.name as OptimizerName;
  const scheduler =
    config.scheduler.name === 'none' || !(config.scheduler.name in schedulerRegistry)
      ? null
      : { name: config.scheduler.name as SchedulerName, options: withoutName(config.scheduler) };
  const warmup = (config.scheduler.warmup as LinearWarmupOptions | undefined) ?? null;
  return {
    job, optimizer: { name: optimizerName, options: withoutName(config.optimizer) }, scheduler, warmup,
    schedulerInterval: config.scheduler.interval as SchedulerInterval, initialWeights: fine.initialWeights, data,
  };
}
