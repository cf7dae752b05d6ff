// No tfjs import here: the batch worker thread loads this file and must start fast.
import { pixelValues, readPixels } from './pixels.js';
import type { ImageDataset } from './types.js';

/**
 * Per-channel statistics for zero-mean, unit-variance inputs. A plain JSON object: save it with the model and give
 * it back to {@link normalize} / {@link normalizePixels} at inference.
 */
export interface NormalizationStats {
  mean: number[];
  /** Population standard deviation (divides by N); a constant channel gets 1 so it maps to 0, not to NaN. */
  std: number[];
}

/**
 * Per-channel mean and standard deviation over every pixel of `ds` (accumulated in float64). Call it on the whole
 * training split, never on a worker's shard or on val/test.
 *
 * @example
 * const stats = computeNormalization(train); // mnist digits: { mean: [0.1311], std: [0.3087] }
 */
export function computeNormalization(ds: ImageDataset): NormalizationStats {
  const c = ds.channels;
  const n = ds.images.length / c;
  if (n === 0) throw new Error(`computeNormalization(${ds.name}): dataset is empty`);
  const sum = channelSums(ds, c);
  const mean = Array.from(sum, (s) => s / n);
  const sq = channelSums(ds, c, mean);
  const std = Array.from(sq, (s) => Math.sqrt(s / n)).map((s) => (s > 1e-12 ? s : 1));
  return { mean, std };
}

/** Values read per pass of {@link channelSums}: a few hundred KB of floats. */
const CHUNK = 1 << 16;

/**
 * Σ of each channel's values, or of their squared deviations from `mean`, in storage order. Compact pixels become
 * floats a chunk at a time (readPixels) and the sums run over plain float arrays, so the 8-bit and float32 stores
 * of the same pixels give the same sums bit for bit; a per-value accessor closure made the digits' 6.3M values take
 * 200-460 ms here instead of about 50.
 */
function channelSums(ds: ImageDataset, c: number, mean?: number[]): Float64Array {
  const sums = new Float64Array(c);
  const total = ds.images.length;
  const chunk = new Float32Array(Math.min(total, CHUNK - (CHUNK % c)));
  for (let start = 0; start < total; start += chunk.length) {
    const len = Math.min(chunk.length, total - start);
    readPixels(ds, start, len, chunk, 0);
    if (c === 1) {
      let s = sums[0]!;
      if (mean) {
        const m = mean[0]!;
        for (let i = 0; i < len; i++) {
          const d = chunk[i]! - m;
          s += d * d;
        }
      } else {
        for (let i = 0; i < len; i++) s += chunk[i]!;
      }
      sums[0] = s;
      continue;
    }
    for (let i = 0; i < len; i += c) {
      for (let k = 0; k < c; k++) {
        const d = mean ? chunk[i + k]! - mean[k]! : chunk[i + k]!;
        sums[k] += mean ? d * d : d;
      }
    }
  }
  return sums;
}

/**
 * Checks a stats object (e.g. parsed from a saved model's JSON) against a channel count; returns it typed.
 *
 * @example
 * const stats = parseNormalizationStats(JSON.parse(saved), 1);
 */
export function parseNormalizationStats(value: unknown, channels?: number): NormalizationStats {
  const v = value as Partial<NormalizationStats> | null;
  if (!v || typeof v !== 'object') throw new Error(`normalization stats: expected {mean: number[], std: number[]}, got ${JSON.stringify(value)}`);
  for (const key of ['mean', 'std'] as const) {
    const arr = v[key];
    if (!Array.isArray(arr) || arr.some((x) => typeof x !== 'number' || !Number.isFinite(x))) {
      throw new Error(`normalization stats: "${key}" must be an array of finite numbers, got ${JSON.stringify(arr)}`);
    }
    if (channels !== undefined && arr.length !== channels) {
      throw new Error(`normalization stats: "${key}" has ${arr.length} entries but the data has ${channels} channels`);
    }
  }
  if (v.mean!.length !== v.std!.length) throw new Error(`normalization stats: mean has ${v.mean!.length} entries, std ${v.std!.length}`);
  if (v.std!.some((s) => !(s > 0))) throw new Error(`normalization stats: every std must be > 0, got ${JSON.stringify(v.std)}`);
  return { mean: v.mean!.slice(), std: v.std!.slice() };
}

/**
 * (x − mean[c]) / std[c] over NHWC (or any channels-last) pixels, in place when `out` is `pixels`.
 *
 * @example
 * const x = normalizePixels(rawInput, stats); // inference input normalized exactly as training was
 */
export function normalizePixels(pixels: Float32Array, stats: NormalizationStats, out: Float32Array = new Float32Array(pixels.length)): Float32Array {
  const c = stats.mean.length;
  if (pixels.length % c !== 0) throw new Error(`normalizePixels: ${pixels.length} values are not a multiple of ${c} channels`);
  const inv = stats.std.map((s) => 1 / s);
  if (c === 1) {
    const m = stats.mean[0]!, s = inv[0]!;
    for (let i = 0; i < pixels.length; i++) out[i] = (pixels[i]! - m) * s;
    return out;
  }
  for (let i = 0; i < pixels.length; i += c) for (let k = 0; k < c; k++) out[i + k] = (pixels[i + k]! - stats.mean[k]!) * inv[k]!;
  return out;
}

/**
 * A new dataset normalized with `stats` (from the training split), for val/test or any dataset; always float32.
 *
 * @example
 * const stats = computeNormalization(train);
 * const [trainN, valN] = [normalize(train, stats), normalize(val, stats)];
 */
export function normalize(ds: ImageDataset, stats: NormalizationStats): ImageDataset {
  parseNormalizationStats(stats, ds.channels);
  const { levels: _codesTable, ...rest } = ds;
  const values = pixelValues(ds);
  return { ...rest, images: normalizePixels(values, stats, values === ds.images ? undefined : values) };
}
