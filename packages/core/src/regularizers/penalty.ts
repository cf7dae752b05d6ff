import * as tf from '@tensorflow/tfjs';
import { customOp } from '../ops/custom-op.js';
import { checkRate } from './validate.js';

/** Rates of the weight penalty. Both default to 0 (no penalty). */
export interface PenaltyRates {
  /** λ₁ of the L1 term λ₁·Σ|w|. */
  l1?: number;
  /** λ₂ of the L2 term (λ₂/2)·Σw², whose gradient λ₂·w equals torch SGD `weight_decay=λ₂`. */
  l2?: number;
}

/** Validated rates with defaults filled in. */
export function resolveRates(rates: PenaltyRates, where: string): { l1: number; l2: number } {
  if (rates === null || typeof rates !== 'object') {
    throw new Error(`${where}: expected an options object { l1?, l2? }, got ${String(rates)}`);
  }
  return {
    l1: checkRate(`${where}: l1`, rates.l1 ?? 0),
    l2: checkRate(`${where}: l2`, rates.l2 ?? 0),
  };
}

/**
 * λ₁·Σ|w| + (λ₂/2)·Σw² of one tensor, as one differentiable op with gradient λ₁·sign(w) + λ₂·w (torch's; tfjs's
 * abs would give −λ₁ at exactly 0); the shared math of the regularizer classes and regularizationPenalty.
 * One op because under a gradient tape the chain of square, sum and mul took 8 kernels, one a copy of the weights,
 * for what is one scaled multiply: a 0.5 ms of a 13 ms mnist-small-cnn step for its 200k-weight dense kernel.
 */
export function weightPenalty(w: tf.Tensor, l1: number, l2: number): tf.Scalar {
  const op = customOp(([x], save) => {
    save([x!]);
    let value: tf.Scalar = tf.scalar(0);
    if (l1 !== 0) value = tf.add(value, tf.mul(l1, tf.sum(tf.abs(x!))));
    // (λ/2)·Σw² rather than Keras' λ·Σw², so that d/dw = λ·w is exactly torch's coupled weight decay.
    if (l2 !== 0) value = tf.add(value, tf.mul(l2 / 2, tf.sum(tf.square(x!))));
    const gradFunc = (dy: tf.Tensor, [xs]: tf.Tensor[]) => {
      if (l1 === 0) return tf.mul(xs!, tf.mul(dy, l2));
      const slope = tf.mul(tf.sign(xs!), l1);
      return tf.mul(l2 === 0 ? slope : tf.add(slope, tf.mul(xs!, l2)), dy);
    };
    return { value, gradFunc };
  });
  return op(w) as tf.Scalar;
}

/**
 * The regularization term for our own training step: Σ over `weights` of λ₁·Σ|w| + (λ₂/2)·Σw².
 *
 * Differentiable (use it inside `tf.variableGrads`/`tf.grad`); its gradient is λ₁·sign(w) + λ₂·w, so `l2: λ`
 * matches `torch.optim.SGD(..., weight_decay=λ)`. Pass only the tensors you want penalized (typically kernels,
 * not biases or BatchNorm parameters).
 *
 * @example
 * ```ts
 * const loss = tf.add(dataLoss, regularizationPenalty(model.trainableWeights.map((v) => v.read()), { l2: 5e-4 }));
 * ```
 */
export function regularizationPenalty(weights: tf.Tensor[], rates: PenaltyRates): tf.Scalar {
  if (!Array.isArray(weights)) {
    throw new Error(`regularizationPenalty: weights must be an array of tensors, got ${String(weights)}`);
  }
  weights.forEach((w, i) => {
    if (!(w instanceof tf.Tensor)) throw new Error(`regularizationPenalty: weights[${i}] is not a tf.Tensor`);
  });
  const { l1, l2 } = resolveRates(rates, 'regularizationPenalty');
  return tf.tidy(() => weights.reduce<tf.Scalar>((acc, w) => tf.add(acc, weightPenalty(w, l1, l2)), tf.scalar(0)));
}
