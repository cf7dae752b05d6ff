import { RankOrderMean } from './rank-order-mean.js';

/**
 * Mean of the workers' tensors, summed in rank order so the float32 result does not depend on arrival order:
 * out[i] = fround(fround(t_0[i] + t_1[i]) + ...) / W. `byRank[r][k]` is worker r's k-th tensor. Fresh arrays; the
 * sync step reduces its gradients on arrival with {@link RankOrderMean}, which computes the same bits.
 * @example
 * const meanGrads = meanInRankOrder([gradsOfRank0, gradsOfRank1]);
 */
export function meanInRankOrder(byRank: Float32Array[][]): Float32Array[] {
  const mean = new RankOrderMean();
  mean.begin();
  byRank.forEach((tensors, r) => mean.add(r, tensors));
  return mean.finish();
}

/** Per-split evaluation combined over workers: each mean weighted by its sample count. */
export interface CombinedMetrics {
  loss: number;
  top1: number;
  top5: number;
  count: number;
}

/**
 * Combines per-shard means into the means over all samples (weighted by counts), in rank order.
 * @example
 * combineMetrics([{ loss: 1, top1: 0.5, top5: 1, count: 10 }, { loss: 3, top1: 0, top5: 1, count: 30 }]) // loss 2.5
 */
export function combineMetrics(parts: CombinedMetrics[]): CombinedMetrics {
  const count = parts.reduce((n, p) => n + p.count, 0);
  if (count === 0) return { loss: NaN, top1: NaN, top5: NaN, count: 0 };
  const mean = (key: 'loss' | 'top1' | 'top5') => parts.reduce((s, p) => s + p[key] * p.count, 0) / count;
  return { loss: mean('loss'), top1: mean('top1'), top5: mean('top5'), count };
}
