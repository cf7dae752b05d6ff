import * as tf from '@tensorflow/tfjs';

/**
 * Number of rows of `probs` [N, K] whose true class ranks within the top k. Rank counts classes with a strictly
 * larger score, so ties favour the true class (as torch.topk usually does for exact ties).
 */
export function countTopK(probs: tf.Tensor2D, labels: tf.Tensor1D, k: number): number {
  return tf.tidy(() => {
    const numClasses = probs.shape[1];
    const trueScore = probs.mul(tf.oneHot(labels.toInt(), numClasses)).sum(1, true);
    const rank = probs.greater(trueScore).sum(1);
    return rank.less(Math.min(k, numClasses)).sum().dataSync()[0]!;
  });
}
