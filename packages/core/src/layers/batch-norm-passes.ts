import * as tf from '@tensorflow/tfjs';

/** Per-channel batch statistics of one training forward. */
export interface BatchMoments {
  mean: tf.Tensor1D;
  /** Biased (divide by count) variance: what the batch is normalized with. */
  variance: tf.Tensor1D;
  /** Values per channel the statistics cover (N·H·W, over all replicas for SyncBatchNorm). */
  count: number;
  /** x − mean when the statistics needed it anyway, so the forward does not compute it twice. */
  centered?: tf.Tensor2D;
}

/** The per-channel gradient sums the BatchNorm backward needs; SyncBatchNorm reduces them over replicas. */
export interface GradientSums {
  sumDy: tf.Tensor1D;
  sumDyXhat: tf.Tensor1D;
}

/** Sums an [rows, C] matrix over its rows, giving [C]. */
export type RowSum = (t: tf.Tensor2D) => tf.Tensor1D;

/**
 * How a BatchNorm layer makes its training passes over the [rows, C] view of its input: from tfjs ops (any backend)
 * or as fused kernels (the native addon's, on the wasm backend). Both do the same float32 arithmetic on each element
 * (x̂ = (x − μ)·invStd, y = x·α + shift, dx = (dy − (x̂·mean(dy·x̂) + mean(dy)))·α); the fused sums are in double.
 */
export interface BatchNormPasses {
  /** This replica's mean and biased variance. */
  moments(x2d: tf.Tensor2D, sumRows: RowSum): BatchMoments;
  /** y = x·α + shift, and the tensors the backward pass reads (to be saved). */
  normalize(x2d: tf.Tensor2D, moments: BatchMoments, invStd: tf.Tensor1D, alpha: tf.Tensor1D, shift: tf.Tensor1D): { y: tf.Tensor2D; saved: tf.Tensor[] };
  /** This replica's Σdy and Σdy·x̂. */
  gradientSums(dy2d: tf.Tensor2D, saved: tf.Tensor[], sumRows: RowSum): GradientSums;
  /** dx from the (global) means of dy and dy·x̂. */
  inputGradient(dy2d: tf.Tensor2D, saved: tf.Tensor[], alpha: tf.Tensor1D, meanDy: tf.Tensor1D, meanDyXhat: tf.Tensor1D): tf.Tensor2D;
}

/** Saves x̂ (one tensor of the activation's size) so the backward pass is three elementwise ops and two row sums. */
export const composedPasses: BatchNormPasses = {
  moments(x2d, sumRows) {
    const count = x2d.shape[0];
    const mean = tf.div(sumRows(x2d), count) as tf.Tensor1D;
    const centered = tf.sub(x2d, mean) as tf.Tensor2D;
    const variance = tf.div(sumRows(tf.square(centered)), count) as tf.Tensor1D;
    return { mean, variance, count, centered };
  },
  normalize(x2d, moments, invStd, alpha, shift) {
    const xHat = tf.mul(moments.centered ?? tf.sub(x2d, moments.mean), invStd);
    // Output as torch computes it, y = x·α + (β − μ·α), so rounding matches torch's closely.
    return { y: tf.add(tf.mul(x2d, alpha), shift) as tf.Tensor2D, saved: [xHat] };
  },
  gradientSums(dy2d, [xHat], sumRows) {
    return { sumDy: sumRows(dy2d), sumDyXhat: sumRows(tf.mul(dy2d, xHat!) as tf.Tensor2D) };
  },
  inputGradient(dy2d, [xHat], alpha, meanDy, meanDyXhat) {
    return tf.mul(tf.sub(dy2d, tf.add(tf.mul(xHat!, meanDyXhat), meanDy)), alpha) as tf.Tensor2D;
  },
};

/** Kernel names of the fused passes; a backend that registers all four gets {@link fusedPasses}. */
export const fusedBatchNormKernels = {
  moments: 'TensorfleetChannelMoments',
  affine: 'TensorfleetChannelAffine',
  gradSums: 'TensorfleetBatchNormGradSums',
  gradInput: 'TensorfleetBatchNormGradInput',
} as const;

const run = (name: string, inputs: tf.NamedTensorMap) => tf.engine().runKernel(name, inputs as never, {});

/**
 * One sweep each for the moments, the normalization, the backward sums and the input gradient, against seven passes
 * forward and seven backward composed. Saves x, μ and invStd (x̂ is recomputed in the backward sweeps) instead of x̂.
 */
export const fusedPasses: BatchNormPasses = {
  moments(x2d) {
    const [mean, variance] = run(fusedBatchNormKernels.moments, { x: x2d }) as tf.Tensor1D[];
    return { mean: mean!, variance: variance!, count: x2d.shape[0] };
  },
  normalize(x2d, moments, invStd, alpha, shift) {
    const y = run(fusedBatchNormKernels.affine, { x: x2d, alpha, shift }) as tf.Tensor2D;
    return { y, saved: [x2d, moments.mean, invStd] };
  },
  gradientSums(dy2d, [x, mean, invStd]) {
    const [sumDy, sumDyXhat] = run(fusedBatchNormKernels.gradSums, { dy: dy2d, x: x!, mean: mean!, invStd: invStd! }) as tf.Tensor1D[];
    return { sumDy: sumDy!, sumDyXhat: sumDyXhat! };
  },
  inputGradient(dy2d, [x, mean, invStd], alpha, meanDy, meanDyXhat) {
    return run(fusedBatchNormKernels.gradInput, { dy: dy2d, x: x!, mean: mean!, invStd: invStd!, alpha, meanDy, meanDyXhat }) as tf.Tensor2D;
  },
};

/** The passes for the active backend: fused when it has every fused kernel (core's native path), else composed. */
export function batchNormPasses(): BatchNormPasses {
  const backend = tf.getBackend();
  return Object.values(fusedBatchNormKernels).every((name) => tf.getKernel(name, backend) !== undefined) ? fusedPasses : composedPasses;
}
