import * as tf from '@tensorflow/tfjs';
import type { BatchNorm } from '../layers/batch-norm.js';

/** What one BatchNorm training step produced: output, input and γ/β gradients, running statistics afterwards. */
export interface BnStepResult {
  y: Float32Array; dx: Float32Array; dgamma: Float32Array; dbeta: Float32Array;
  runningMean: Float32Array; runningVar: Float32Array;
}

/**
 * One training forward of `layer` (BatchNorm or SyncBatchNorm) on x, and the backward of Σ(y·dy): the quantities the
 * BatchNorm tests compare with torch, and the SyncBN tests compare across replicas.
 *
 * @example
 * const step = bnTrainingStep(layer, [4, 3], x, dy); // step.dx, step.dgamma, step.runningVar, ...
 */
export function bnTrainingStep(layer: BatchNorm, shape: number[], x: ArrayLike<number>, dy: ArrayLike<number>): BnStepResult {
  let result: BnStepResult | undefined;
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
