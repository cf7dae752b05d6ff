import { z } from 'zod';
import { dataFilesSchema } from './data-files.js';
import { checkedBy, datasetSpecSchema, issueLines, validateModelSpec, type DatasetSpec, type ModelSpec, type TrainerOptions } from '@tensorfleet/core';

const positiveInt = z.number().int().min(1);
const isMap = (v: unknown) => v !== null && typeof v === 'object' && !Array.isArray(v) && !ArrayBuffer.isView(v);

/**
 * What a training job asks of every worker: the `spec` map of the job message. Defined once here; the parameter
 * server validates it before serving and every worker validates what it receives.
 */
export const trainJobSpecSchema = z
  .object({
    model: checkedBy(z.custom<ModelSpec>(isMap, 'expected a model spec map'), (m) => validateModelSpec(m)).describe("core's ModelSpec"),
    dataset: datasetSpecSchema.describe("core's DatasetSpec (paths absolute)") as unknown as z.ZodType<DatasetSpec>,
    batchSize: positiveInt.describe('samples per worker per step; the effective batch is batchSize × worldSize'),
    epochs: positiveInt,
    trainer: z.custom<TrainerOptions>(isMap, 'expected a map of trainer options').optional().describe('loss options: label smoothing, extra regularization; frozen layers (fine-tuning)'),
    dataSeed: z.number().int().min(0).describe('seeds the per-epoch data order (DistributedSampler) and augmentation'),
    maxStepsPerEpoch: positiveInt.optional().describe('cap on steps per epoch (short runs, tests)'),
    evaluateVal: z.boolean().optional().describe('evaluate the validation split at each epoch end (default true)'),
    evaluateTest: z.boolean().optional().describe('evaluate the test split after the last epoch (default true)'),
    evalBatchSize: positiveInt.optional().describe('batch size of evaluation (default 500)'),
    bn: z.enum(['local', 'sync']).optional().describe("'local' (default): per-worker batch statistics, running statistics averaged; 'sync': true SyncBN"),
    collectiveTimeoutMs: positiveInt.optional().describe('how long a SyncBN allreduce may wait for the other workers (default 30 s)'),
    heartbeatIntervalMs: positiveInt.optional().describe('heartbeat period the server asks of its workers'),
    dataFiles: dataFilesSchema
      .optional()
      .describe('every file the dataset reads, with size and sha256 (the parameter server fills it in); a worker without a file fetches it from the server'),
  })
  .strict();

export type TrainJobSpec = z.output<typeof trainJobSpecSchema>;

/**
 * Checks a job spec; throws naming every bad field, what was expected and what was given.
 * @example
 * validateTrainJobSpec({ model: presetSpec('mlp'), dataset: { source: 'mnist-digits' }, batchSize: 32, epochs: 1, dataSeed: 0 });
 */
export function validateTrainJobSpec(spec: unknown): TrainJobSpec {
  const result = trainJobSpecSchema.safeParse(spec);
  if (!result.success) throw new Error(`job spec: ${issueLines(result.error).join('; ')}`);
  return result.data;
}
