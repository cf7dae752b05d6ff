/**
 * Per-epoch series that stay a bounded length however long a run goes. Epochs fall into buckets of `width` epochs
 * (a power of two, 1 while the run is short); when the run outgrows `maxEpochPoints` buckets the width doubles and
 * neighbouring buckets merge, the way a round-robin database keeps old samples at a coarser step. Why: the PS keeps
 * each worker's epoch times and the run report charts every epoch line, once per epoch; unbounded, a 32-worker run of
 * a few hundred short epochs rendered a 17 MB report.html each epoch and its RSS grew with it.
 *
 * @example
 * epochBucketWidth(100); // 1: every epoch its own point
 * epochBucketWidth(1000); // 8: 125 points of 8 epochs each
 */
export const maxEpochPoints = 128;

/** The bucket width (epochs per point, a power of two) that fits `epochs` epochs in `maxPoints` points. */
export function epochBucketWidth(epochs: number, maxPoints = maxEpochPoints): number {
  let width = 1;
  while (Math.ceil(epochs / width) > maxPoints) width *= 2;
  return width;
}

/**
 * Groups `items` (in any order) by the bucket of `epochOf(item)` at the width that fits `epochCount` epochs, in bucket
 * order: what a chart draws one point per bucket from.
 *
 * @example
 * bucketByEpoch(lines, (l) => l.epoch, lines.length).map((b) => mean(b.map((l) => l.loss)));
 */
export function bucketByEpoch<T>(items: readonly T[], epochOf: (item: T) => number, epochCount: number, maxPoints = maxEpochPoints): T[][] {
  const width = epochBucketWidth(epochCount, maxPoints);
  const buckets = new Map<number, T[]>();
  for (const item of items) {
    const key = Math.floor(epochOf(item) / width);
    const bucket = buckets.get(key);
    if (bucket) bucket.push(item);
    else buckets.set(key, [item]);
  }
  return [...buckets.entries()].sort((a, b) => a[0] - b[0]).map(([, bucket]) => bucket);
}
