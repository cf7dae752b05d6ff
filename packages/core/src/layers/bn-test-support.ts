// Test helpers shared by the BatchNorm and SyncBatchNorm tests (not exported from the package).
import * as tf from '@tensorflow/tfjs';

import { assertClose, loadFixture } from '../testing/assert.js';
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

export interface StepResult {
  y: Float32Array; dx: Float32Array; dgamma: Float32Array; dbeta: Float32Array;
  runningMean: Float32Array; runningVar: Float32Array;
}

/** Builds the layer for `shape` and loads gamma/beta (running stats at their initial zeros/ones). */
export function buildWith(layer: BatchNorm, shape: number[], gamma: number[], beta: number[]): void {
  layer.apply(tf.zeros(shape));
  const c = gamma.length;
  layer.setWeights([tf.tensor1d(gamma), tf.tensor1d(beta), tf.zeros([c]), tf.ones([c])]);
}

/** One training forward on x and backward of Σ(y·dy): output, dx, dγ, dβ and the running stats afterwards. */
export function trainingStep(layer: BatchNorm, shape: number[], x: ArrayLike<number>, dy: ArrayLike<number>): StepResult {
  let result: StepResult | undefined;
  tf.tidy(() => {
    const xVar = tf.variable(tf.tensor(Array.from(x), shape), true);
    const dyT = tf.tensor(Array.from(dy), shape);
    const [gamma, beta] = layer.trainableWeights.map((w) => w.read() as tf.Variable);
    let y: Float32Array | undefined;
    const { grads } = tf.variableGrads(() => {
      const out = layer.apply(xVar, { training: true }) as tf.Tensor;
      y = out.dataSync() as Float32Array;
      return tf.sum(tf.mul(out, dyT)) as tf.Scalar;
    }, [xVar, gamma!, beta!]);
    result = {
      y: y!,
      dx: grads[xVar.name]!.dataSync() as Float32Array,
      dgamma: grads[gamma!.name]!.dataSync() as Float32Array,
      dbeta: grads[beta!.name]!.dataSync() as Float32Array,
      runningMean: layer.getWeights()[2]!.dataSync() as Float32Array,
      runningVar: layer.getWeights()[3]!.dataSync() as Float32Array,
    };
    xVar.dispose();
  });
  return result!;
}

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

