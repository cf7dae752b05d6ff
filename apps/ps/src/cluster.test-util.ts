// Shared by the cluster tests: an in-process PS plus workers on real sockets, and small jobs.
import pino from 'pino';
import type { ModelSpec } from '@tensorfleet/core';
import type { TrainJobSpec } from '@tensorfleet/protocol';
import { runWorker } from '@tensorfleet/worker';
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

export async function runCluster(options: Omit<ParameterServerOptions, 'token' | 'logger'>) {
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
