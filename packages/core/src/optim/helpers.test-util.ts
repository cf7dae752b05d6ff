// Shared by the optim tests: seeded data so failures reproduce.

export { mulberry32 as seededRandom } from '../data/rng.js';

/** Float32Arrays of the given lengths, uniform in [-scale, scale). */
export function randomArrays(rand: () => number, lengths: number[], scale = 1): Float32Array[] {
  return lengths.map((n) => Float32Array.from({ length: n }, () => (rand() * 2 - 1) * scale));
}

export function copies(arrays: Float32Array[]): Float32Array[] {
  return arrays.map((a) => a.slice());
}
