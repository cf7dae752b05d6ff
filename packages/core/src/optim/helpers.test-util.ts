// Shared by the optim tests: seeded data so failures reproduce.

/** Mulberry32: a tiny seeded PRNG, enough for test data. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Float32Arrays of the given lengths, uniform in [-scale, scale). */
export function randomArrays(rand: () => number, lengths: number[], scale = 1): Float32Array[] {
  return lengths.map((n) => Float32Array.from({ length: n }, () => (rand() * 2 - 1) * scale));
}

export function copies(arrays: Float32Array[]): Float32Array[] {
  return arrays.map((a) => a.slice());
}
