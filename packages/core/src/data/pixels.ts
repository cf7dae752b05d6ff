// No tfjs import here: the batch worker thread loads this file and must start fast.
import { Float32Keys } from './float32-keys.js';
import type { ImageDataset } from './types.js';

/**
 * How a dataset stores its pixels. 8-bit sources (IDX, CIFAR-10, PNG/JPEG, integer CSV cells, the bundled digits)
 * keep one byte per value, `codes`, plus a 256-entry table `levels` giving the float each code stands for (k / 255 for
 * 8-bit images, as torchvision's ToTensor): a quarter of the memory of floats, and every value exactly the float32 the
 * loaders produced before, so statistics and augmentations are bitwise unchanged. Anything else stays float32.
 * A table rather than a single scale factor: the bundled digits are k / 255 rounded to 3 decimals, which no scale
 * reproduces, and a CSV `scale` of, say, 0.01 must give exactly fround(k × 0.01).
 */
export type PixelArray = Uint8Array | Float32Array;

/** The value table of 8-bit images: code k means k / 255 (in float32), torchvision's ToTensor. */
export const UNIT_LEVELS: Float32Array = Float32Array.from({ length: 256 }, (_, k) => k / 255);

/** A value table for codes that mean k × scale (a CSV's `scale` option), in float32. */
export function scaledLevels(scale: number): Float32Array {
  return Float32Array.from({ length: 256 }, (_, k) => k * scale);
}

/**
 * Pixel storage in shared memory: a {@link BatchLoader}'s worker thread then reads the dataset where it is, without a
 * copy of it.
 */
export function allocPixels(kind: 'uint8' | 'float32', length: number): PixelArray {
  return kind === 'uint8' ? new Uint8Array(new SharedArrayBuffer(length)) : new Float32Array(new SharedArrayBuffer(4 * length));
}

/** A new, empty store of `ds`'s kind (and so usable with its `levels`). */
export function allocLike(ds: Pick<ImageDataset, 'images'>, length: number): PixelArray {
  return allocPixels(ds.images instanceof Uint8Array ? 'uint8' : 'float32', length);
}

/**
 * Throws unless `ds.images` and `ds.levels` agree: 8-bit codes need a 256-entry table, floats take none, and the
 * length is count × height × width × channels.
 */
export function assertPixels(ds: ImageDataset): void {
  const expected = ds.count * ds.height * ds.width * ds.channels;
  if (ds.images.length !== expected) {
    throw new Error(`${ds.name}: holds ${ds.images.length} pixel values, expected ${ds.count} × ${ds.height} × ${ds.width} × ${ds.channels} = ${expected}`);
  }
  if (ds.images instanceof Uint8Array) {
    if (!(ds.levels instanceof Float32Array) || ds.levels.length !== 256) {
      throw new Error(`${ds.name}: 8-bit pixels need a 256-entry Float32Array "levels" (the value of each code)`);
    }
  } else if (!(ds.images instanceof Float32Array)) {
    throw new Error(`${ds.name}: pixels must be a Uint8Array (with levels) or a Float32Array`);
  } else if (ds.levels !== undefined) {
    throw new Error(`${ds.name}: float32 pixels take no "levels" table`);
  }
}

/**
 * Writes the float values of `ds.images[start, start + length)` at `out[offset ...]`: the per-batch conversion of
 * compact pixels.
 *
 * @example
 * const sample = new Float32Array(size);
 * readPixels(ds, index * size, size, sample, 0);
 */
export function readPixels(ds: Pick<ImageDataset, 'images' | 'levels'>, start: number, length: number, out: Float32Array, offset: number): void {
  const src = ds.images;
  if (src instanceof Float32Array) {
    out.set(src.subarray(start, start + length), offset);
    return;
  }
  const levels = ds.levels!;
  for (let i = 0; i < length; i++) out[offset + i] = levels[src[start + i]!]!;
}

/**
 * Every pixel of `ds` as floats (a new array for compact datasets, the store itself for float ones): for exports,
 * tests and small datasets; training reads per batch instead.
 *
 * @example
 * writeFileSync('test-images.f32', pixelValues(testSplit));
 */
export function pixelValues(ds: Pick<ImageDataset, 'images' | 'levels'>): Float32Array {
  if (ds.images instanceof Float32Array) return ds.images;
  const out = new Float32Array(ds.images.length);
  readPixels(ds, 0, ds.images.length, out, 0);
  return out;
}

/**
 * Stores float values compactly when they take at most 256 distinct float32 values (codes in ascending value
 * order), else as float32; in shared memory either way.
 *
 * @example
 * const { images, levels } = compactValues(jsonPixels); // the bundled digits: 256 levels, one byte each
 */
export function compactValues(values: ArrayLike<number>): { images: PixelArray; levels?: Float32Array } {
  const table = new Float32Keys();
  for (let i = 0; i < values.length; i++) {
    if (table.add(values[i]!) > 256) {
      const images = allocPixels('float32', values.length) as Float32Array;
      for (let k = 0; k < values.length; k++) images[k] = values[k]!;
      return { images };
    }
  }
  const sorted = table.keys().sort((a, b) => a - b);
  const levels = new Float32Array(256);
  levels.set(sorted);
  sorted.forEach((v, k) => table.setCode(v, k));
  const images = allocPixels('uint8', values.length) as Uint8Array;
  for (let i = 0; i < values.length; i++) images[i] = table.codeOf(values[i]!);
  return { images, levels };
}

/**
 * Builds a store value by value: 8-bit codes with `levels` while every value is an integer in [0, 255] (its code),
 * switching once to float32 at the first value that is not (a CSV of pixels stays compact, a CSV of measurements
 * becomes floats). `value(k)` of a code k must be levels[k].
 */
export class PixelBuilder {
  private codes: Uint8Array | undefined;
  private floats: Float32Array | undefined;

  constructor(
    readonly length: number,
    readonly levels: Float32Array,
  ) {
    this.codes = allocPixels('uint8', length) as Uint8Array;
  }

  /** Sets position i from a raw (unscaled) integer-or-not value `raw` whose float value is `value`. */
  set(i: number, raw: number, value: number): void {
    if (this.codes) {
      if (Number.isInteger(raw) && raw >= 0 && raw <= 255) {
        this.codes[i] = raw;
        return;
      }
      this.floats = allocPixels('float32', this.length) as Float32Array;
      for (let k = 0; k < i; k++) this.floats[k] = this.levels[this.codes[k]!]!;
      this.codes = undefined;
    }
    this.floats![i] = value;
  }

  /** The finished store: codes and their levels, or floats. */
  finish(): { images: PixelArray; levels?: Float32Array } {
    return this.codes ? { images: this.codes, levels: this.levels } : { images: this.floats! };
  }
}
