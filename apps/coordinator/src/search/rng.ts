import { mulberry32 } from '@tensorfleet/core';

/**
 * Trial i of a study gets its own mulberry32 stream, `trialRandom(seed, i)`, so a resumed study draws exactly the
 * parameters it drew before.
 */
export { mulberry32 };

/** Mixes two integers into a 32-bit seed (splitmix-style), so nearby (seed, index) pairs give unrelated streams. */
export function mixSeed(seed: number, index: number): number {
  let h = (Math.imul(seed | 0, 0x9e3779b1) ^ Math.imul((index + 1) | 0, 0x85ebca6b)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** The random stream of trial `index` in a study seeded `seed`. */
export function trialRandom(seed: number, index: number): () => number {
  return mulberry32(mixSeed(seed, index));
}
