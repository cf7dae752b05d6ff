/**
 * Random sources for the data pipeline. `Mt19937` reproduces PyTorch's CPU generator bit for bit (torch seeds a
 * 32-bit Mersenne Twister with `manual_seed` and draws from it for randperm, rand, uniform_ and randint), so
 * shard orders and erasing boxes can be checked against torch itself. `sampleRandom` is a cheap keyed generator
 * for per-sample augmentation, where a 624-word state per sample would cost more than the transform.
 */

/** The draws the transforms need; both generators implement it. */
export interface RandomSource {
  /** A uniform unsigned 32-bit integer. */
  nextUint32(): number;
}

/**
 * PyTorch's CPU generator (at::mt19937): `new Mt19937(seed)` then `nextUint32()` gives the same stream as
 * `torch.Generator().manual_seed(seed)` and its `random()`.
 *
 * @example
 * const g = new Mt19937(42);
 * const u = uniformFloat32(g); // same value as torch.rand(1, generator=torch.Generator().manual_seed(42))
 */
export class Mt19937 implements RandomSource {
  private readonly state = new Uint32Array(624);
  private index = 624;

  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0) throw new Error(`Mt19937: seed must be a non-negative integer, got ${seed}`);
    const s = this.state;
    s[0] = seed >>> 0; // torch keeps the low 32 bits of the 64-bit seed
    for (let j = 1; j < 624; j++) {
      const prev = s[j - 1]! ^ (s[j - 1]! >>> 30);
      s[j] = (Math.imul(1812433253, prev) + j) >>> 0;
    }
  }

  nextUint32(): number {
    if (this.index >= 624) this.twist();
    let y = this.state[this.index++]!;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  private twist(): void {
    const s = this.state;
    for (let i = 0; i < 624; i++) {
      const y = (s[i]! & 0x80000000) | (s[(i + 1) % 624]! & 0x7fffffff);
      s[i] = (s[(i + 397) % 624]! ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0)) >>> 0;
    }
    this.index = 0;
  }
}

/** torch's float32 uniform draw in [0, 1): the low 24 bits of one 32-bit word, scaled by 2^-24. */
export function uniformFloat32(g: RandomSource): number {
  return (g.nextUint32() & 0xffffff) * 5.9604644775390625e-8;
}

/** torch's `uniform_(from, to)` on a float32 tensor: bounds and result rounded to float32, as torch does. */
export function uniformRange(g: RandomSource, from: number, to: number): number {
  const f = Math.fround(from);
  const t = Math.fround(to);
  return Math.fround(uniformFloat32(g) * (t - f) + f);
}

/** torch's `randint(low, high)` for ranges below 2^32: one 32-bit word modulo the range. */
export function randomInt(g: RandomSource, low: number, high: number): number {
  return (g.nextUint32() % (high - low)) + low;
}

/** A standard normal draw (Box–Muller); used for "random" erasing values, where torch's exact stream is not needed. */
export function normalFloat(g: RandomSource): number {
  const u1 = (g.nextUint32() + 1) / 4294967297;
  const u2 = g.nextUint32() / 4294967296;
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/** torch.randperm(n, generator) with torch 1.13's CPU algorithm (a forward Fisher–Yates on 32-bit words). */
export function torchRandperm(n: number, g: RandomSource): Int32Array {
  const r = new Int32Array(n);
  for (let i = 0; i < n; i++) r[i] = i;
  for (let i = 0; i < n - 1; i++) {
    const z = g.nextUint32() % (n - i);
    const tmp = r[i]!;
    r[i] = r[z + i]!;
    r[z + i] = tmp;
  }
  return r;
}

/** Mixes 32-bit words into one (murmur3's finalizer over a running hash); used to key per-sample generators. */
export function mixSeed(...words: number[]): number {
  let h = 0x9e3779b9;
  for (const w of words) {
    h = Math.imul(h ^ (w >>> 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

/**
 * A small fast generator (sfc32) keyed by one 32-bit seed. The pipeline keys one per sample from
 * (seed, epoch, sample index), so a sample's augmentation does not depend on which worker draws it.
 */
export class Sfc32 implements RandomSource {
  private a: number;
  private b: number;
  private c: number;
  private d = 1;

  constructor(seed: number) {
    this.a = 0x9e3779b9;
    this.b = 0x243f6a88;
    this.c = seed >>> 0;
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }
}

/** The per-sample generator of the augmentation pipeline. */
export function sampleRandom(seed: number, epoch: number, sampleIndex: number): Sfc32 {
  return new Sfc32(mixSeed(seed, epoch, sampleIndex));
}

/**
 * mulberry32: a tiny, fast seeded generator of uniform floats in [0, 1), for test data and search spaces where
 * torch-identical streams (Mt19937) are not needed. Same seed, same stream, on every platform.
 *
 * @example
 * const next = mulberry32(42); next(); // 0.6011037519...
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
