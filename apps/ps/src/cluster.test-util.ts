// Shared by the cluster tests: an in-process PS plus workers on real sockets, and small jobs.
import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';
import * as tf from '@tensorflow/tfjs';
import { buildModel, createOptimizer, createTrainer, loadDatasetSpec, type ModelSpec } from '@tensorfleet/core';
import type { TrainJobSpec } from '@tensorfleet/protocol';
import { runWorker, ShardData } from '@tensorfleet/worker';
import { startParameterServer } from './parameter-server.js';
import type { ParameterServerOptions } from './options.js';

export const token = 'cluster-test';
export const logger = pino({ level: process.env.TF_TEST_LOG ?? 'silent' }, pino.destination(2));
export const dataset = { source: 'mnist-digits' as const, split: { ratios: [0.8, 0.1, 0.1], seed: 1 } };

/** A small MLP: flatten → dense(units) [→ BN] → relu [→ dropout] → dense(10) → softmax. */
export function smallMlp({ units = 32, bn = false, dropout = 0, seed = 7 } = {}): ModelSpec {
  return {
    inputShape: [28, 28, 1], numClasses: 10, seed,
    layers: [
      { type: 'flatten' }, { type: 'dense', units, useBias: !bn }, ...(bn ? [{ type: 'batchNorm' as const }] : []), { type: 'relu' },
      ...(dropout ? [{ type: 'dropout' as const, rate: dropout }] : []), { type: 'dense', units: 10 }, { type: 'softmax' },
    ],
  } as ModelSpec;
}

export function job(overrides: Partial<TrainJobSpec> = {}): TrainJobSpec {
  return { model: smallMlp(), dataset, batchSize: 8, epochs: 1, dataSeed: 5, evaluateVal: false, evaluateTest: false, ...overrides };
}

/** A pino logger whose JSON lines land in `lines`, debug included (tests count the per-step debug lines). */
export function captureLogger(lines: Record<string, unknown>[]): Logger {
  const stream = new Writable({ write(chunk, _enc, cb) { for (const l of String(chunk).split('\n')) if (l) lines.push(JSON.parse(l)); cb(); } });
  return pino({ level: 'debug' }, stream);
}

/** Runs a PS (logging to `options.logger`, default silent) and its workers to the end. */
export async function runCluster(options: Omit<ParameterServerOptions, 'token'>) {
  const ps = await startParameterServer({ token, logger, ...options });
  const workers = Array.from({ length: options.workers }, (_, i) => runWorker({ psUrl: ps.url, token, logger, name: `w${i}` }));
  const [summary, ...workerSummaries] = await Promise.all([ps.done, ...workers]);
  return { summary, workerSummaries };
}

export function relErr(a: Float32Array, e: Float32Array): number {
  let num = 0, den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i]! - e[i]!) ** 2;
    den += e[i]! ** 2;
  }
  return Math.sqrt(num / Math.max(den, 1e-30));
}

/**
 * One process training with SGD on the concatenation (rank order) of the W workers' batches of each step: what a
 * synchronous run must equal. Returns the initial and final parameters and the final BN running statistics.
 */
export function singleProcessReference(
  job: TrainJobSpec, worldSize: number, steps: number, sgdOptions: Record<string, unknown>,
): { initial: Float32Array[]; final: Float32Array[]; states: Float32Array[] } {
  const data = loadDatasetSpec(job.dataset);
  const shards = Array.from({ length: worldSize }, (_, r) => new ShardData(data, r, worldSize, job.batchSize, job.dataSeed));
  const model = buildModel(job.model);
  const trainer = createTrainer(model);
  const params = trainer.getParameters();
  const initial = params.map((p) => new Float32Array(p));
  const sgd = createOptimizer('sgd', params, sgdOptions);
  for (let s = 0; s < steps; s++) {
    const parts = shards.map((sh) => sh.trainBatch(0, s));
    const x = tf.concat(parts.map((p) => p.x));
    const labels = tf.concat(parts.map((p) => p.labels)) as tf.Tensor1D;
    const { grads } = trainer.computeGradients(x, labels);
    tf.dispose([x, labels, ...parts.flatMap((p) => [p.x, p.labels])]);
    sgd.step(grads);
    trainer.setParameters(params);
  }
  const states = trainer.getStates();
  trainer.dispose();
  model.dispose();
  return { initial, final: params, states };
}
