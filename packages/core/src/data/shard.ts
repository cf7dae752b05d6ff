import { Mt19937, torchRandperm } from './rng.js';

/** Options of {@link shardIndices}; the names and defaults of torch's DistributedSampler. */
export interface ShardOptions {
  /** Dataset size. */
  count: number;
  rank: number;
  worldSize: number;
  epoch: number;
  seed?: number;
  shuffle?: boolean;
  /** Drop the tail so every shard has floor(count / worldSize) samples, instead of padding by wrapping around. */
  dropLast?: boolean;
  /**
   * For elastic resharding inside an epoch: how many positions of this epoch's global order were already consumed
   * (by any world size); the remaining positions are dealt among the new world. Default 0.
   */
  consumed?: number;
}

function check(name: string, v: unknown, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new Error(`shardIndices: ${name} must be an integer ≥ ${min}, got ${JSON.stringify(v)}`);
  return v;
}

/**
 * The epoch's global order: torch.randperm(count) from a generator seeded with seed + epoch (exactly torch's
 * stream), or 0..count−1 without shuffling.
 *
 * @example
 * epochOrder({ count: 10, epoch: 0, seed: 0 }); // [4, 1, 7, 5, 3, 9, 0, 8, 6, 2], as torch
 */
export function epochOrder({ count, epoch, seed = 0, shuffle = true }: Pick<ShardOptions, 'count' | 'epoch' | 'seed' | 'shuffle'>): Int32Array {
  check('count', count, 0);
  check('epoch', epoch, 0);
  check('seed', seed, 0);
  if (!shuffle) return Int32Array.from({ length: count }, (_, i) => i);
  return torchRandperm(count, new Mt19937(seed + epoch));
}

/**
 * This rank's sample indices for an epoch, with torch.utils.data.DistributedSampler's semantics (and, for the same
 * seed, its exact indices): one seeded permutation per epoch; padded by wrapping to a multiple of worldSize (or the
 * tail dropped); rank r takes every worldSize-th index starting at r. Shards are disjoint (up to the padding
 * duplicates), cover the data, and have equal length. A change of worldSize between epochs reshards naturally
 * because the permutation depends only on (seed, epoch); within an epoch, pass `consumed` to deal the remainder.
 *
 * @example
 * const mine = shardIndices({ count: 10000, rank: 1, worldSize: 4, epoch: 3, seed: 42 }); // 2,500 indices
 */
export function shardIndices(options: ShardOptions): Int32Array {
  const { rank, worldSize, dropLast = false, consumed = 0 } = options;
  check('worldSize', worldSize, 1);
  check('rank', rank, 0);
  if (rank >= worldSize) throw new Error(`shardIndices: rank ${rank} must be below worldSize ${worldSize}`);
  check('consumed', consumed, 0);
  const order = epochOrder(options);
  if (consumed > order.length) throw new Error(`shardIndices: consumed ${consumed} exceeds count ${order.length}`);
  const rest = order.subarray(consumed);
  const n = rest.length;
  if (n === 0) return new Int32Array(0);
  const perRank = dropLast && n % worldSize !== 0 ? Math.ceil((n - worldSize) / worldSize) : Math.ceil(n / worldSize);
  const out = new Int32Array(perRank);
  // position p of the padded list is rest[p % n]: torch pads with the list's own head, repeated as often as needed
  for (let k = 0; k < perRank; k++) out[k] = rest[(rank + k * worldSize) % n]!;
  return out;
}

/**
 * How many positions of an epoch's global order `steps` steps of `batchSize` per worker have consumed with
 * `worldSize` workers (every rank takes one batch per step, so a prefix of worldSize × batchSize positions per step).
 *
 * @example
 * const consumed = consumedPositions({ steps: 12, batchSize: 32, worldSize: 4 }); // 1536
 * shardIndices({ count, rank, worldSize: 3, epoch, seed, consumed }); // the rest, dealt to 3 workers
 */
export function consumedPositions({ steps, batchSize, worldSize }: { steps: number; batchSize: number; worldSize: number }): number {
  return check('steps', steps, 0) * check('batchSize', batchSize, 1) * check('worldSize', worldSize, 1);
}
