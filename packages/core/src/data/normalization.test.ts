import test from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { computeNormalization, normalize, normalizePixels, parseNormalizationStats } from './normalization.js';
import { normalizeTensor } from './normalize-tensor.js';
import { loadMnistDigits } from './mnist.js';
import { splitDataset } from './split.js';
import { pixelValues } from './pixels.js';
import { assertClose, loadFixture } from '../testing/assert.js';
import type { ImageDataset } from './types.js';

const reference = loadFixture<{ mnistDigitsNormalization: { mean: number[]; std: number[] } }>('data/torch_reference.json');

test('computeNormalization matches torch mean/std (population) of the MNIST digits', () => {
  const stats = computeNormalization(loadMnistDigits());
  assertClose(stats.mean, reference.mnistDigitsNormalization.mean, { label: 'mean' });
  assertClose(stats.std, reference.mnistDigitsNormalization.std, { label: 'std' });
});

function rgb(): ImageDataset {
  // channel c of pixel i = c * 10 + (i % 4) * (c + 1): means 1.5 (c+1) + 10c, stds 1.118 (c+1)
  const count = 3, h = 2, w = 2;
  const images = new Float32Array(count * h * w * 3);
  for (let i = 0; i < count * h * w; i++) for (let c = 0; c < 3; c++) images[i * 3 + c] = c * 10 + (i % 4) * (c + 1);
  return { images, labels: new Int32Array(count), count, height: h, width: w, channels: 3, numClasses: 1, name: 'rgb' };
}

test('computeNormalization is per channel; normalize yields zero mean and unit std per channel', () => {
  const ds = rgb();
  const stats = computeNormalization(ds);
  assertClose(stats.mean, [1.5, 13, 24.5]);
  assertClose(stats.std, [1, 2, 3].map((k) => k * Math.sqrt(1.25)));
  const after = computeNormalization(normalize(ds, stats));
  assertClose(after.mean, [0, 0, 0], { atol: 1e-6 });
  assertClose(after.std, [1, 1, 1], { rtol: 1e-6 });
  assert.notEqual(normalize(ds, stats).images, ds.images, 'normalize returns a new dataset');
  assert.equal(ds.images[5], 23, 'source untouched');
});

test('stats from the training split survive JSON and normalize inference inputs the same way', () => {
  const [train, val] = splitDataset(loadMnistDigits(), { ratios: [0.9, 0.1], seed: 2 });
  const stats = computeNormalization(train!);
  const saved = JSON.stringify({ normalization: stats });
  const restored = parseNormalizationStats(JSON.parse(saved).normalization, 1);
  assert.deepEqual(restored, stats);
  const viaDataset = normalize(val!, stats).images;
  const valPixels = pixelValues(val!);
  const viaPixels = normalizePixels(valPixels.slice(0, 784 * 5), restored);
  assertClose(viaPixels, viaDataset.subarray(0, 784 * 5), { rtol: 0, atol: 0 });
  const x = tf.tensor4d(valPixels.slice(0, 784 * 5), [5, 28, 28, 1]);
  const viaTensor = normalizeTensor(x, restored);
  assertClose(viaTensor.dataSync(), viaPixels, { rtol: 1e-6, atol: 1e-6 });
  tf.dispose([x, viaTensor]);
  // the val statistics are not the train statistics: using them would leak
  assert.notDeepEqual(computeNormalization(val!).mean, stats.mean);
});

test('a constant channel gets std 1; malformed stats are refused with the field named', () => {
  const ds: ImageDataset = { ...rgb(), images: new Float32Array(36).fill(4) };
  const stats = computeNormalization(ds);
  assert.deepEqual(stats.std, [1, 1, 1]);
  assert.ok(normalize(ds, stats).images.every((v) => v === 0));
  assert.throws(() => parseNormalizationStats({ mean: [0], std: [0] }), /every std must be > 0/);
  assert.throws(() => parseNormalizationStats({ mean: [0, 1], std: [1, 1] }, 3), /"mean" has 2 entries but the data has 3 channels/);
  assert.throws(() => parseNormalizationStats({ mean: ['a'], std: [1] }), /"mean" must be an array of finite numbers/);
  assert.throws(() => normalize(rgb(), { mean: [0], std: [1] }), /has 1 entries but the data has 3 channels/);
});

test('computeNormalization gives the bits of one float64 pass in storage order, 8-bit or float32 store, across chunks', () => {
  // The definition: sums over the float values in order (each channel its own), then the deviations' squares.
  const definition = (values: Float32Array, c: number) => {
    const n = values.length / c;
    const mean = Array.from({ length: c }, (_, k) => {
      let s = 0;
      for (let i = k; i < values.length; i += c) s += values[i]!;
      return s / n;
    });
    const std = mean.map((m, k) => {
      let s = 0;
      for (let i = k; i < values.length; i += c) s += (values[i]! - m) ** 2;
      return Math.sqrt(s / n);
    });
    return { mean, std };
  };
  const digits = loadMnistDigits(); // 8-bit store, 7.8M values: many chunks, the last one partial
  assert.ok(digits.images instanceof Uint8Array);
  const values = pixelValues(digits);
  assert.deepEqual(computeNormalization(digits), definition(values, 1));
  assert.deepEqual(computeNormalization({ ...digits, images: values, levels: undefined }), definition(values, 1));
  // 3 channels over 70,001 pixels: a chunk length that is a multiple of 3, and a last chunk of another size.
  const count = 70_001;
  const rgbValues = Float32Array.from({ length: count * 3 }, (_, i) => Math.fround(Math.sin(i) * 100 + (i % 3)));
  const ds: ImageDataset = { images: rgbValues, labels: new Int32Array(count), count, height: 1, width: 1, channels: 3, numClasses: 1, name: 'rgb-long' };
  assert.deepEqual(computeNormalization(ds), definition(rgbValues, 3));
});
