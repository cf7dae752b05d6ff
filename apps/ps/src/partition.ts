/**
 * Size-balanced partition of parameter tensors over K parameter-server shards (longest-processing-time greedy):
 * tensors in decreasing size go to the shard holding the fewest values so far (lowest index on ties). Deterministic.
 * Returns each shard's parameter indices in increasing order; shard 0 is the primary.
 * @example
 * partitionParameters([[784, 64], [64], [64, 10], [10]], 2) // [[0], [1, 2, 3]]
 */
export function partitionParameters(shapes: number[][], shards: number): number[][] {
  if (!Number.isInteger(shards) || shards < 1) throw new Error(`partitionParameters: shards must be a positive integer, got ${shards}`);
  if (shards > shapes.length) throw new Error(`partitionParameters: ${shards} shards for ${shapes.length} parameter tensors; at most one shard per tensor`);
  const sizes = shapes.map((s) => s.reduce((a, b) => a * b, 1));
  const order = sizes.map((_, i) => i).sort((a, b) => sizes[b]! - sizes[a]! || a - b);
  const load = new Array(shards).fill(0);
  const parts: number[][] = Array.from({ length: shards }, () => []);
  for (const i of order) {
    let best = 0;
    for (let k = 1; k < shards; k++) if (load[k] < load[best]) best = k;
    parts[best]!.push(i);
    load[best] += sizes[i]!;
  }
  return parts.map((p) => p.sort((a, b) => a - b));
}
