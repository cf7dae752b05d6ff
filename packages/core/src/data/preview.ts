import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { PNG } from 'pngjs';
import type { AugmentConfig } from './augment-config.js';
import { SamplePipeline } from './pipeline.js';
import { Mt19937, torchRandperm } from './rng.js';
import type { ImageDataset } from './types.js';

/** Options of {@link writePreviewPng}. */
export interface PreviewOptions {
  /** Where to write the PNG (parent folders are created). */
  path: string;
  /** Augmentations to show (checked by the label-preserving guard); none shows the raw samples. */
  transforms?: AugmentConfig;
  /** Number of samples in the grid, default 16. */
  count?: number;
  /** Picks the samples and seeds their augmentation, default 0. */
  seed?: number;
  /** Grid columns, default ceil(sqrt(count)). */
  columns?: number;
  /** Integer upscaling of each pixel, default 2. */
  scale?: number;
}

/**
 * Writes a PNG grid of augmented training samples (raw pixels, clamped to [0, 1]; grayscale or RGB), because people
 * would rather look than read. Returns the image size and the sample indices shown, row by row.
 *
 * @example
 * writePreviewPng(loadMnistDigits(), { path: 'preview.png', transforms: { randomShift: {}, randomErasing: { p: 1 } } });
 */
export function writePreviewPng(ds: ImageDataset, options: PreviewOptions): { path: string; width: number; height: number; indices: number[] } {
  const { path, transforms, count = 16, seed = 0, scale = 2 } = options;
  if (typeof path !== 'string' || path === '') throw new Error(`writePreviewPng: path must be a file path, got ${JSON.stringify(path)}`);
  if (!Number.isInteger(count) || count < 1 || count > ds.count) throw new Error(`writePreviewPng: count must be an integer in [1, ${ds.count}], got ${count}`);
  if (!Number.isInteger(scale) || scale < 1 || scale > 16) throw new Error(`writePreviewPng: scale must be an integer in [1, 16], got ${scale}`);
  if (ds.channels !== 1 && ds.channels !== 3) throw new Error(`writePreviewPng: ${ds.name} has ${ds.channels} channels; a preview needs 1 or 3`);
  const columns = options.columns ?? Math.ceil(Math.sqrt(count));
  if (!Number.isInteger(columns) || columns < 1) throw new Error(`writePreviewPng: columns must be a positive integer, got ${columns}`);
  const rows = Math.ceil(count / columns);
  const gap = 2;
  const cellW = ds.width * scale, cellH = ds.height * scale;
  const width = columns * cellW + (columns + 1) * gap;
  const height = rows * cellH + (rows + 1) * gap;
  const png = new PNG({ width, height, colorType: ds.channels === 1 ? 0 : 2, inputColorType: 6, inputHasAlpha: true });
  png.data.fill(255);
  for (let i = 0; i < png.data.length; i += 4) png.data[i] = png.data[i + 1] = png.data[i + 2] = 96; // gray gaps

  const pipeline = new SamplePipeline(ds, { ...(transforms ? { augment: transforms } : {}), seed });
  const indices = Array.from(torchRandperm(ds.count, new Mt19937(seed)).subarray(0, count));
  indices.forEach((index, k) => {
    const pixels = pipeline.sample(index);
    const x0 = gap + (k % columns) * (cellW + gap);
    const y0 = gap + Math.floor(k / columns) * (cellH + gap);
    for (let y = 0; y < cellH; y++) {
      for (let x = 0; x < cellW; x++) {
        const p = (Math.floor(y / scale) * ds.width + Math.floor(x / scale)) * ds.channels;
        const o = ((y0 + y) * width + x0 + x) * 4;
        for (let c = 0; c < 3; c++) {
          const v = pixels[p + (ds.channels === 1 ? 0 : c)]!;
          png.data[o + c] = Math.round(255 * Math.min(1, Math.max(0, v)));
        }
      }
    }
  });
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, PNG.sync.write(png, { colorType: ds.channels === 1 ? 0 : 2 }));
  return { path, width, height, indices };
}
