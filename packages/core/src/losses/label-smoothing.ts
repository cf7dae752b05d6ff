import * as tf from '@tensorflow/tfjs';
import { customOp } from '../ops/custom-op.js';

/** Which smoothed target distribution to train towards. */
export type SmoothingFormula = 'uniform' | 'seed';

/** Options of {@link labelSmoothingCrossEntropy}. */
export interface LabelSmoothingOptions {
  /** Smoothing mass ε in [0, 1). Default 0.1. */
  epsilon?: number;
  /**
   * 'uniform' (torch `CrossEntropyLoss(label_smoothing=ε)`, Keras): target t·(1−ε) + ε/K, i.e. 1−ε+ε/K on the true
   * class and ε/K elsewhere. 'seed' (the lecture's): t·(1−ε) + (1−t)·ε/(K−1), i.e. 1−ε on the true class and
   * ε/(K−1) elsewhere (needs K ≥ 2). Default 'uniform'.
   */
  formula?: SmoothingFormula;
  /** true: yPred holds raw logits (log-softmax is applied); false: yPred holds probabilities. Default false. */
  fromLogits?: boolean;
}

/**
 * Lower clip applied to probabilities before the log when `fromLogits` is false, so an exact 0 gives a finite loss
 * instead of 0·(−∞) = NaN. Only probabilities below 1e-12 are changed (their log is capped at ≈ −27.6 and their
 * gradient is zero), so normal inputs agree with torch to float32 precision; Keras clips at 1e-7 instead.
 * Prefer `fromLogits: true` with a linear last layer where you can: it needs no clip.
 */
export const PROBABILITY_CLIP = 1e-12;

const FORMULAS: readonly SmoothingFormula[] = ['uniform', 'seed'];

/** A loss usable as `model.compile({ loss })`: (yTrue, yPred) => mean over the batch. */
export type LossFunction = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Scalar;

/**
 * Cross-entropy against a label-smoothed target, averaged over the batch.
 *
 * `yTrue` is one-hot [N, K] or already a distribution over the K classes (each row summing to 1, e.g. mixup or
 * pre-smoothed labels); the smoothing map is applied to it either way, as torch does for probability targets.
 * `yPred` is [N, K] probabilities (softmax output; see {@link PROBABILITY_CLIP}) or logits with `fromLogits: true`.
 * With ε = 0 both formulas are the plain categorical cross-entropy.
 *
 * @example
 * ```ts
 * model.compile({ optimizer: 'adam', loss: labelSmoothingCrossEntropy({ epsilon: 0.1, formula: 'seed' }) });
 * ```
 */
export function labelSmoothingCrossEntropy(options: LabelSmoothingOptions = {}): LossFunction {
  if (options === null || typeof options !== 'object') {
    throw new Error(`labelSmoothingCrossEntropy: expected an options object, got ${String(options)}`);
  }
  const { epsilon = 0.1, formula = 'uniform', fromLogits = false } = options;
  if (typeof epsilon !== 'number' || !(epsilon >= 0 && epsilon < 1)) {
    throw new Error(`labelSmoothingCrossEntropy: epsilon must be a number in [0, 1), got ${String(epsilon)}`);
  }
  if (!FORMULAS.includes(formula)) {
    throw new Error(`labelSmoothingCrossEntropy: formula must be 'uniform' or 'seed', got ${JSON.stringify(formula)}`);
  }
  if (typeof fromLogits !== 'boolean') {
    throw new Error(`labelSmoothingCrossEntropy: fromLogits must be a boolean, got ${String(fromLogits)}`);
  }

  const loss: LossFunction = (yTrue, yPred) => {
    checkShapes(yTrue, yPred, formula);
    const k = yPred.shape[1]!;
    return tf.tidy(() => {
      const t = tf.cast(yTrue, 'float32');
      // Both formulas are affine in t: t·a + b, so soft targets go through the same map as one-hot ones.
      const [scale, offset] = formula === 'uniform'
        ? [1 - epsilon, epsilon / k]
        : [1 - epsilon - epsilon / (k - 1), epsilon / (k - 1)];
      const target = epsilon === 0 ? t : tf.add(tf.mul(t, scale), offset);
      if (!fromLogits) return probabilityCrossEntropy(target, yPred);
      return tf.mean(tf.neg(tf.sum(tf.mul(target, tf.logSoftmax(yPred)), -1)));
    });
  };
  return loss;
}

/**
 * −mean over rows of Σ target · log(max(p, PROBABILITY_CLIP)), as one differentiable op. Its gradient is the one the
 * chain of ops gives, −dy · target / (N · p) where p ≥ the clip and 0 below it, in 7 kernels; the chain (clip, log,
 * mul, sum, neg, mean) records an op and clones for each and took about 20 under a gradient tape, a sixth of the mlp
 * preset's training step. The target gets no gradient (labels are data).
 */
function probabilityCrossEntropy(target: tf.Tensor, probs: tf.Tensor): tf.Scalar {
  const rows = probs.shape[0]!;
  const op = customOp(([p], save) => {
    // Both are saved: the tape disposes the forward pass's intermediates (target among them) before the backward pass.
    save([p, target]);
    const value = tf.neg(tf.mean(tf.sum(tf.mul(target, tf.log(tf.maximum(p!, PROBABILITY_CLIP))), -1)));
    const gradFunc = (dy: tf.Tensor, [ps, ts]: tf.Tensor[]) => {
      // Divided by the clipped p, so p = 0 gives 0 rather than 0 · ∞.
      const perRow = tf.div(tf.mul(ts!, tf.mul(dy, -1 / rows)), tf.maximum(ps!, PROBABILITY_CLIP));
      return tf.mul(perRow, tf.cast(tf.greaterEqual(ps!, PROBABILITY_CLIP), 'float32'));
    };
    return { value, gradFunc };
  });
  return op(probs) as tf.Scalar;
}

function checkShapes(yTrue: tf.Tensor, yPred: tf.Tensor, formula: SmoothingFormula): void {
  const where = 'labelSmoothingCrossEntropy';
  if (!(yTrue instanceof tf.Tensor) || !(yPred instanceof tf.Tensor)) {
    throw new Error(`${where}: yTrue and yPred must be tf.Tensors`);
  }
  if (yPred.rank !== 2) {
    throw new Error(`${where}: yPred must be [batch, numClasses], got shape [${yPred.shape.join(', ')}]`);
  }
  if (yTrue.shape.length !== 2 || yTrue.shape[0] !== yPred.shape[0] || yTrue.shape[1] !== yPred.shape[1]) {
    throw new Error(
      `${where}: yTrue shape [${yTrue.shape.join(', ')}] must equal yPred shape [${yPred.shape.join(', ')}] ` +
        '(yTrue is one-hot or a distribution over the classes, not class ids)',
    );
  }
  if (formula === 'seed' && yPred.shape[1]! < 2) {
    throw new Error(`${where}: formula 'seed' spreads ε over K−1 classes and needs K >= 2, got K = ${yPred.shape[1]}`);
  }
}
