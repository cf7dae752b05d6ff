// Worker-thread body for the SyncBN collective tests: one replica running SyncBatchNorm on its slice of the batch,
// with the real blocking collective (its own communication thread and connection to the test's hub).
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { syncBatchNorm, type BatchNorm } from '@tensorfleet/core';
import { bnTrainingStep as trainingStep, type BnStepResult } from '@tensorfleet/core/testing';
import { openBlockingCollective } from '@tensorfleet/protocol';

export interface ReplicaInput {
  url: string;
  token: string;
  runId: string;
  rank: number;
  shape: number[];
  momentum: number;
  gamma: number[];
  beta: number[];
  /** Per training step: this replica's x and upstream gradient dy (flattened). */
  steps: { x: number[]; dy: number[] }[];
  timeoutMs: number;
  /** Stop contributing at this step: wait `lingerMs` (a stalled peer), then exit the thread abruptly (a dead one). */
  dieAtStep?: number;
  lingerMs?: number;
}

/** One replica's step: output, gradients and running statistics (core's BatchNorm test quantities). */
export type ReplicaStep = BnStepResult;

/** Builds the layer for `shape` (without a collective call) and loads γ/β. */
export function buildWith(layer: BatchNorm, shape: number[], gamma: number[], beta: number[]): void {
  layer.build(shape);
  layer.built = true;
  const c = gamma.length;
  layer.setWeights([tf.tensor1d(gamma), tf.tensor1d(beta), tf.zeros([c]), tf.ones([c])]);
}

if (parentPort && workerData?.steps) {
  const input = workerData as ReplicaInput;
  const collective = await openBlockingCollective({ url: input.url, token: input.token, rank: input.rank, runId: input.runId, timeoutMs: input.timeoutMs });
  const layer = syncBatchNorm({ momentum: input.momentum, collective });
  buildWith(layer, input.shape, input.gamma, input.beta);
  const results: ReplicaStep[] = [];
  let error: string | null = null;
  const started = performance.now();
  try {
    for (let s = 0; s < input.steps.length; s++) {
      if (s === input.dieAtStep) break;
      collective.beginStep(s);
      results.push(trainingStep(layer, input.shape, input.steps[s]!.x, input.steps[s]!.dy));
    }
  } catch (e) {
    error = (e as Error).message;
  }
  const ms = performance.now() - started;
  parentPort.postMessage({ results, error, ms });
  if (input.dieAtStep !== undefined) {
    await new Promise((r) => setTimeout(r, input.lingerMs ?? 0));
    process.exit(1); // ends this thread (and its communication thread) without a goodbye
  }
  await collective.close();
}
