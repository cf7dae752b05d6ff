import { resolveAugment, type AugmentConfig, type ResolvedAugment } from './augment-config.js';
import { allowedTransformsOf, assertLabelPreserving } from './label-guard.js';
import { normalizePixels, parseNormalizationStats, type NormalizationStats } from './normalization.js';
import { assertPixels, readPixels } from './pixels.js';
import { sampleRandom, uniformFloat32, uniformRange } from './rng.js';
import { eraseBox, pyRound, randomErasingBox, shiftFlip, type ImageShape } from './transforms.js';
import type { ImageDataset } from './types.js';

/** How samples become model inputs: augmentation (training split only), normalization, and the seeds. */
export interface PipelineOptions {
  /** Augmentations; give them for the training split only. Checked by the label-preserving guard. */
  augment?: AugmentConfig;
  /** Applied after the raw-pixel transforms and before random erasing. */
  normalization?: NormalizationStats;
  /** Augmentation seed (default 0); each sample's draws are keyed by (seed, epoch, sample index). */
  seed?: number;
  /** The epoch, so every epoch augments differently yet reproducibly (default 0). */
  epoch?: number;
}

/**
 * Turns dataset samples into model-ready pixels, one sample at a time into a caller's buffer (typed-array loops,
 * no allocation per sample). Compact (8-bit) datasets become floats here, per sample, so the dataset itself stays
 * one byte per value. A sample's random draws depend only on (seed, epoch, sample index), not on the worker or
 * batch that draws it, so a run is reproducible whatever the number of workers.
 *
 * @example
 * const p = new SamplePipeline(train, { augment: { randomShift: {} }, normalization: stats, seed: 1, epoch: 3 });
 * const { x, labels } = p.writeBatch([0, 5, 9]);
 */
export class SamplePipeline {
  readonly shape: ImageShape;
  readonly sampleSize: number;
  private readonly augment: ResolvedAugment;
  private readonly stats?: NormalizationStats;
  private readonly seed: number;
  private readonly epoch: number;
  private readonly scratch: Float32Array;
  /** A compact sample as floats, the source of the geometric transforms (unused for float datasets). */
  private readonly decoded: Float32Array;

  constructor(
    readonly ds: ImageDataset,
    options: PipelineOptions = {},
  ) {
    assertPixels(ds);
    this.shape = { height: ds.height, width: ds.width, channels: ds.channels };
    this.sampleSize = ds.height * ds.width * ds.channels;
    this.augment = options.augment ? resolveAugment(options.augment) : {};
    if (Object.keys(this.augment).length > 0 && /\/(val|test)$/.test(ds.name)) {
      throw new Error(`augment: ${ds.name} is an evaluation split; augmentation applies to the training split only`);
    }
    assertLabelPreserving(ds, this.augment);
    if (options.normalization) this.stats = parseNormalizationStats(options.normalization, ds.channels);
    this.seed = checkUint('seed', options.seed ?? 0);
    this.epoch = checkUint('epoch', options.epoch ?? 0);
    this.scratch = new Float32Array(this.sampleSize);
    this.decoded = ds.images instanceof Float32Array ? this.scratch : new Float32Array(this.sampleSize);
    const value = this.augment.randomErasing?.value;
    if (Array.isArray(value) && value.length !== 1 && value.length !== ds.channels) {
      throw new Error(`augment.randomErasing.value: expected 1 or ${ds.channels} (channels) values, got ${value.length}`);
    }
  }

  /** Writes sample `index`, transformed, at `out[offset ...]`. */
  writeSample(index: number, out: Float32Array, offset: number): void {
    const { ds, augment: a, shape } = this;
    const src = index * this.sampleSize;
    const geometric = a.randomShift || a.randomHorizontalFlip || a.randomVerticalFlip || a.randomBrightness;
    const rng = geometric || a.randomErasing ? sampleRandom(this.seed, this.epoch, index) : undefined;
    if (geometric && rng) {
      let dx = 0, dy = 0;
      if (a.randomShift) {
        const s = a.randomShift;
        const maxX = s.units === 'fraction' ? s.x * shape.width : s.x;
        const maxY = s.units === 'fraction' ? s.y * shape.height : s.y;
        dx = pyRound(uniformRange(rng, -maxX, maxX));
        dy = pyRound(uniformRange(rng, -maxY, maxY));
      }
      const hflip = a.randomHorizontalFlip ? uniformFloat32(rng) < a.randomHorizontalFlip.p : false;
      const vflip = a.randomVerticalFlip ? uniformFloat32(rng) < a.randomVerticalFlip.p : false;
      const b = a.randomBrightness;
      const brightness = b ? uniformRange(rng, Math.max(0, 1 - b.factor), 1 + b.factor) : undefined;
      let from = ds.images, at = src;
      if (!(from instanceof Float32Array)) {
        readPixels(ds, src, this.sampleSize, this.decoded, 0);
        [from, at] = [this.decoded, 0];
      }
      shiftFlip(from, at, out, offset, shape, {
        dx,
        dy,
        hflip,
        vflip,
        fill: a.randomShift?.fill ?? 0,
        ...(brightness === undefined ? {} : { brightness }),
      });
    } else {
      readPixels(ds, src, this.sampleSize, out, offset);
    }
    if (this.stats) {
      const view = out.subarray(offset, offset + this.sampleSize);
      normalizePixels(view, this.stats, view);
    }
    if (a.randomErasing && rng) {
      const box = randomErasingBox(rng, shape.height, shape.width, a.randomErasing);
      if (box) eraseBox(out, offset, shape, box, a.randomErasing.value, rng);
    }
  }

  /** Writes the samples at `indices` into one NHWC batch buffer with their labels. */
  writeBatch(indices: ArrayLike<number>, x = new Float32Array(indices.length * this.sampleSize)): { x: Float32Array; labels: Int32Array } {
    const labels = new Int32Array(indices.length);
    for (let k = 0; k < indices.length; k++) {
      const i = indices[k]!;
      if (!(i >= 0 && i < this.ds.count)) throw new Error(`${this.ds.name}: sample index ${i} is outside [0, ${this.ds.count})`);
      this.writeSample(i, x, k * this.sampleSize);
      labels[k] = this.ds.labels[i]!;
    }
    return { x, labels };
  }

  /** One transformed sample as a new array (for previews and tests). */
  sample(index: number): Float32Array {
    this.writeSample(index, this.scratch, 0);
    return this.scratch.slice();
  }
}

function checkUint(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new Error(`${name}: expected an integer in [0, 2^32), got ${v}`);
  return v;
}

/**
 * The default training augmentation for a dataset: a 10% shift, brightness ±20%, torchvision's RandomErasing
 * (p 0.5), and horizontal flips: each only where the dataset declares it label-preserving.
 *
 * @example
 * const augment = defaultAugment(loadMnistDigits()); // no flips for digits
 */
export function defaultAugment(ds: ImageDataset): AugmentConfig {
  const allowed = allowedTransformsOf(ds);
  const config: AugmentConfig = {};
  if (allowed.includes('randomShift')) config.randomShift = { x: 0.1, y: 0.1 };
  if (allowed.includes('randomHorizontalFlip')) config.randomHorizontalFlip = { p: 0.5 };
  if (allowed.includes('randomBrightness')) config.randomBrightness = { factor: 0.2 };
  if (allowed.includes('randomErasing')) config.randomErasing = {};
  return config;
}
