// Test helpers shared by the BatchNorm and SyncBatchNorm tests (not exported from the package).
import * as tf from '@tensorflow/tfjs';

import { assertClose, loadFixture } from '../testing/assert.js';
import { bnTrainingStep as trainingStep } from '../testing/bn-training-step.js';
import type { BatchNorm } from './batch-norm.js';

export interface BnStep {
  x: number[]; dy: number[]; y: number[]; dx: number[]; dgamma: number[]; dbeta: number[];
  runningMean: number[]; runningVar: number[];
}
export interface BnCase {
  module: string; shape: number[]; momentum: number; eps: number; gamma: number[]; beta: number[];
  steps: BnStep[]; eval: { x: number[]; y: number[] };
}
export const bnCases = loadFixture<{ cases: Record<string, BnCase> }>('layers/batch_norm.json').cases;

export type { BnStepResult as StepResult } from '../testing/bn-training-step.js';

/** Builds the layer for `shape` and loads gamma/beta (running stats at their initial zeros/ones). */
export function buildWith(layer: BatchNorm, shape: number[], gamma: number[], beta: number[]): void {
  layer.apply(tf.zeros(shape));
  const c = gamma.length;
  layer.setWeights([tf.tensor1d(gamma), tf.tensor1d(beta), tf.zeros([c]), tf.ones([c])]);
}

export { trainingStep };

/** Runs a fixture case through `layer`: 3 training steps then eval, everything compared to torch at rtol 1e-5. */
export function checkAgainstTorch(layer: BatchNorm, name: string): void {
  const fx = bnCases[name]!;
  buildWith(layer, fx.shape, fx.gamma, fx.beta);
  fx.steps.forEach((step, i) => {
    const got = trainingStep(layer, fx.shape, step.x, step.dy);
    const label = (what: string) => `${name} step ${i + 1} ${what}`;
    assertClose(got.y, step.y, { label: label('y') });
    assertClose(got.dx, step.dx, { label: label('dx') });
    assertClose(got.dgamma, step.dgamma, { label: label('dgamma') });
    assertClose(got.dbeta, step.dbeta, { label: label('dbeta') });
    assertClose(got.runningMean, step.runningMean, { label: label('running mean') });
    assertClose(got.runningVar, step.runningVar, { label: label('running var') });
  });
  const yEval = tf.tidy(() => (layer.apply(tf.tensor(fx.eval.x, fx.shape)) as tf.Tensor).dataSync());
  assertClose(yEval, fx.eval.y, { label: `${name} eval y` });
}

