import * as tf from '@tensorflow/tfjs';
import { parseNormalizationStats, type NormalizationStats } from './normalization.js';

/**
 * Normalizes a channels-last tensor (e.g. a model input at inference) with saved stats.
 *
 * @example
 * const probs = model.predict(normalizeTensor(x, stats));
 */
export function normalizeTensor<T extends tf.Tensor>(x: T, stats: NormalizationStats): T {
  parseNormalizationStats(stats, x.shape[x.rank - 1]);
  return tf.tidy(() => tf.div(tf.sub(x, tf.tensor1d(stats.mean)), tf.tensor1d(stats.std))) as T;
}
