import { allocLike } from './pixels.js';
import type { ImageDataset } from './types.js';

/**
 * A new dataset holding the samples at `indices` (copied, in that order), with the same shape, classes and traits.
 *
 * @example
 * const firstHundred = subsetDataset(loadMnistDigits(), Int32Array.from({ length: 100 }, (_, i) => i));
 */
export function subsetDataset(ds: ImageDataset, indices: ArrayLike<number>, name = ds.name): ImageDataset {
  const size = ds.height * ds.width * ds.channels;
  const images = allocLike(ds, indices.length * size);
  const labels = new Int32Array(indices.length);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k]!;
    if (!Number.isInteger(i) || i < 0 || i >= ds.count) {
      throw new Error(`subsetDataset(${ds.name}): index ${i} at position ${k} is outside [0, ${ds.count})`);
    }
    images.set(ds.images.subarray(i * size, (i + 1) * size), k * size);
    labels[k] = ds.labels[i]!;
  }
  return { ...ds, images, labels, count: indices.length, name };
}
