import type { DatasetSpec, ModelSpec, TrainerOptions } from '@tensorfleet/core';

/**
 * What a training job asks of every worker: the `spec` map of the job message. The model and dataset specs are
 * core's; they are validated in depth where they are used (buildModel, loadDatasetSpec).
 */
export interface TrainJobSpec {
  model: ModelSpec;
  dataset: DatasetSpec;
  /** Samples per worker per step; the effective batch is batchSize × worldSize. */
  batchSize: number;
  epochs: number;
  /** Loss options: label smoothing, extra regularization. */
  trainer?: TrainerOptions;
  /** Seeds the per-epoch data order (DistributedSampler) and augmentation. */
  dataSeed: number;
  /** Cap on steps per epoch (short runs, tests). */
  maxStepsPerEpoch?: number;
  /** Evaluate the validation split at each epoch end (default true). */
  evaluateVal?: boolean;
  /** Evaluate the test split after the last epoch (default true). */
  evaluateTest?: boolean;
  /** Batch size of evaluation (default 500). */
  evalBatchSize?: number;
  /**
   * BatchNorm across workers: 'local' (default; per-worker batch statistics, running statistics averaged by the PS)
   * or 'sync' (true SyncBN: global batch statistics through a blocking allreduce, see openBlockingCollective).
   */
  bn?: 'local' | 'sync';
  /** How long a SyncBN allreduce may wait for the other workers before failing the step (default 30 s). */
  collectiveTimeoutMs?: number;
  /** Heartbeat period the server asks of its workers (set by an elastic server from its heartbeat timeout). */
  heartbeatIntervalMs?: number;
}

function isMap(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !ArrayBuffer.isView(v);
}

const KNOWN = ['model', 'dataset', 'batchSize', 'epochs', 'trainer', 'dataSeed', 'maxStepsPerEpoch', 'evaluateVal', 'evaluateTest', 'evalBatchSize', 'bn', 'collectiveTimeoutMs', 'heartbeatIntervalMs'];

/**
 * Checks a job spec's own fields (the model and dataset specs only for being maps); throws naming the field, what was
 * expected and what was given.
 * @example
 * validateTrainJobSpec({ model: presetSpec('mlp'), dataset: { source: 'mnist-digits' }, batchSize: 32, epochs: 1, dataSeed: 0 });
 */
export function validateTrainJobSpec(spec: unknown): TrainJobSpec {
  const fail = (field: string, expected: string, got: unknown): never => {
    throw new Error(`job spec: field "${field}": expected ${expected}, got ${JSON.stringify(got)}`);
  };
  if (!isMap(spec)) return fail('(root)', 'a map', spec);
  for (const k of Object.keys(spec)) if (!KNOWN.includes(k)) fail(k, `no such field (known: ${KNOWN.join(', ')})`, spec[k]);
  const posInt = (k: string, optional = false) => {
    const v = spec[k];
    if (optional && v === undefined) return;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) fail(k, 'a positive integer', v);
  };
  if (!isMap(spec.model)) fail('model', 'a model spec map', spec.model);
  if (!isMap(spec.dataset)) fail('dataset', 'a dataset spec map', spec.dataset);
  posInt('batchSize');
  posInt('epochs');
  posInt('maxStepsPerEpoch', true);
  posInt('evalBatchSize', true);
  posInt('collectiveTimeoutMs', true);
  posInt('heartbeatIntervalMs', true);
  if (spec.bn !== undefined && spec.bn !== 'local' && spec.bn !== 'sync') fail('bn', '"local" or "sync"', spec.bn);
  const seed = spec.dataSeed;
  if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0) fail('dataSeed', 'a non-negative integer', seed);
  if (spec.trainer !== undefined && !isMap(spec.trainer)) fail('trainer', 'a map of trainer options', spec.trainer);
  for (const k of ['evaluateVal', 'evaluateTest']) if (spec[k] !== undefined && typeof spec[k] !== 'boolean') fail(k, 'a boolean', spec[k]);
  return spec as unknown as TrainJobSpec;
}
