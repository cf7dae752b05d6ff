import { presetSpec, type DatasetSpec, type OptimizerName } from '@tensorfleet/core';
import type { TrainJobSpec } from '@tensorfleet/protocol';
import type { TrainConfig } from './schema.js';

/** What a parameter server needs from a config: the job every worker receives, and the PS-side optimizer/scheduler. */
export interface ResolvedJob {
  job: TrainJobSpec;
  optimizer: { name: OptimizerName; options: Record<string, unknown> };
  scheduler: { name: 'reduceLROnPlateau'; options: Record<string, unknown> } | null;
}

/** The lecture's starting learning rates: SGD+momentum 0.01, Adam 1e-3. */
export const defaultLearningRates: Record<OptimizerName, number> = { sgd: 0.01, adam: 1e-3, adamw: 1e-3, rmsprop: 0.01, adagrad: 0.01 };

/** Optimizer options as torch names them; momentum only where torch has it (SGD defaults to the lecture's 0.9). */
function optimizerOptions(o: TrainConfig['optimizer']): Record<string, unknown> {
  const options: Record<string, unknown> = { lr: o.lr ?? defaultLearningRates[o.name] };
  if (o.weightDecay > 0) options.weightDecay = o.weightDecay;
  if (o.name === 'sgd') options.momentum = o.momentum ?? 0.9;
  else if (o.name === 'rmsprop' && o.momentum !== undefined) options.momentum = o.momentum;
  else if (o.momentum !== undefined) {
    throw new Error(`optimizer.momentum: ${o.name} has no momentum option (sgd and rmsprop do); remove it`);
  }
  return options;
}

/**
 * Turns a validated training config into the parameter server's job: the model preset with its regularization, the
 * dataset spec (split seeded by the run's seed so every process agrees), per-worker batch size and label smoothing.
 */
export function jobFromConfig(config: TrainConfig): ResolvedJob {
  const model = presetSpec(config.model.preset, {
    bn: config.model.bn !== false,
    ...(config.model.dropoutFc !== undefined ? { dropoutFc: config.model.dropoutFc } : {}),
    ...(config.model.dropoutConv !== undefined ? { dropoutConv: config.model.dropoutConv } : {}),
    ...(config.l2 > 0 ? { l2: config.l2 } : {}),
    ...(config.l1 > 0 ? { l1: config.l1 } : {}),
    seed: config.seed,
  });
  const dataset: DatasetSpec = {
    source: config.data.source,
    split: { ratios: config.data.split, seed: config.seed, stratify: true },
    normalize: config.data.normalize,
    ...(Object.keys(config.data.augment).length ? { augment: config.data.augment as DatasetSpec['augment'] } : {}),
  };
  const job: TrainJobSpec = {
    model,
    dataset,
    batchSize: config.batchSize,
    epochs: config.epochs,
    dataSeed: config.seed,
    trainer: { labelSmoothing: config.labelSmoothing },
    ...(config.model.bn === 'sync' ? { bn: 'sync' as const } : {}),
  };
  const scheduler =
    config.scheduler.name === 'none'
      ? null
      : { name: 'reduceLROnPlateau' as const, options: { factor: config.scheduler.factor, patience: config.scheduler.patience } };
  return { job, optimizer: { name: config.optimizer.name, options: optimizerOptions(config.optimizer) }, scheduler };
}
