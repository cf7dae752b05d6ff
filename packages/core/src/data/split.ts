import { Mt19937, torchRandperm } from './rng.js';
import { subsetDataset } from './subset.js';
import type { ImageDataset } from './types.js';

/** Options of {@link splitDataset}. */
export interface SplitOptions {
  /** One positive fraction per split, summing to 1, e.g. [0.8, 0.1, 0.1] or [0.98, 0.01, 0.01]. */
  ratios: number[];
  seed: number;
  /** Keep every class's share equal in every split (within one sample per class). Default true. */
  stratify?: boolean;
}

/** Sizes per split by largest remainder, so they sum to `count` and each is within 1 of ratio × count. */
function splitSizes(count: number, ratios: number[]): number[] {
  const exact = ratios.map((r) => r * count);
  const sizes = exact.map(Math.floor);
  let missing = count - sizes.reduce((a, b) => a + b, 0);
  const order = exact.map((e, i) => [e - Math.floor(e), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let k = 0; missing > 0; k++, missing--) sizes[order[k % order.length]![1]]!++;
  return sizes;
}

export function validateRatios(ratios: unknown, where = 'ratios'): number[] {
  if (!Array.isArray(ratios) || ratios.length === 0) throw new Error(`${where}: expected a non-empty array of fractions, got ${JSON.stringify(ratios)}`);
  ratios.forEach((r, i) => {
    if (typeof r !== 'number' || !(r > 0) || r > 1) throw new Error(`${where}[${i}]: expected a fraction in (0, 1], got ${JSON.stringify(r)}`);
  });
  const sum = (ratios as number[]).reduce((a, b) => a + b, 0);
  if (Math.abs(sum - 1) > 1e-6) throw new Error(`${where}: fractions must sum to 1, got ${ratios.join(' + ')} = ${sum}`);
  return ratios as number[];
}

/**
 * The order in which samples are dealt to splits. Stratified: each class is shuffled, each sample keyed by its
 * quantile position (i + 0.5) / n_class, and all samples sorted by key; cutting this order into consecutive runs
 * gives every split the same share of every class, and exact total sizes.
 */
function dealingOrder(ds: ImageDataset, seed: number, stratify: boolean): Int32Array {
  const rng = new Mt19937(seed);
  if (!stratify) return torchRandperm(ds.count, rng);
  const byClass: number[][] = [];
  for (let i = 0; i < ds.count; i++) (byClass[ds.labels[i]!] ??= []).push(i);
  const keyed: { key: number; cls: number; index: number }[] = [];
  byClass.forEach((members, cls) => {
    if (!members) return;
    const perm = torchRandperm(members.length, rng);
    perm.forEach((p, k) => keyed.push({ key: (k + 0.5) / members.length, cls, index: members[p]! }));
  });
  keyed.sort((a, b) => a.key - b.key || a.cls - b.cls);
  return Int32Array.from(keyed, (k) => k.index);
}

/**
 * Splits a dataset into train/val/test (or any number of parts) by ratio: seeded, deterministic, and by default
 * stratified by label. Every sample lands in exactly one split; an empty split is an error. The splits are views of
 * one copy of the samples (split after split), so splitting costs one dataset's memory, not more.
 *
 * @example
 * const [train, val, test] = splitDataset(loadMnistDigits(), { ratios: [0.6, 0.2, 0.2], seed: 1 });
 */
export function splitDataset(ds: ImageDataset, options: SplitOptions): ImageDataset[] {
  const ratios = validateRatios(options?.ratios, 'splitDataset: ratios');
  const seed = options.seed;
  if (!Number.isInteger(seed) || seed < 0) throw new Error(`splitDataset: seed must be a non-negative integer, got ${seed}`);
  const sizes = splitSizes(ds.count, ratios);
  const empty = sizes.indexOf(0);
  if (empty >= 0) {
    throw new Error(`splitDataset(${ds.name}): ratio ${ratios[empty]} of ${ds.count} samples leaves split ${empty} empty`);
  }
  const order = dealingOrder(ds, seed, options.stratify ?? true);
  let start = 0;
  // keep source order inside a split: shuffling is the sampler's job
  sizes.forEach((size) => (order.subarray(start, start + size).sort(), (start += size)));
  const all = subsetDataset(ds, order);
  const sampleSize = ds.height * ds.width * ds.channels;
  start = 0;
  return sizes.map((size, k) => {
    const part: ImageDataset = {
      ...all,
      images: all.images.subarray(start * sampleSize, (start + size) * sampleSize),
      labels: all.labels.subarray(start, start + size),
      count: size,
      name: `${ds.name}[split ${k}]`,
    };
    start += size;
    return part;
  });
}
