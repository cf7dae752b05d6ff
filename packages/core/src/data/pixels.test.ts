import test from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BatchLoader, makeRawBatches } from './batches.js';
import { loadCsv } from './csv.js';
import { cifarBytes, tempDir } from './fixture-files.js';
import { loadCifar10 } from './cifar10.js';
import { computeNormalization } from './normalization.js';
import { defaultAugment } from './pipeline.js';
import { assertPixels, compactValues, pixelValues, UNIT_LEVELS } from './pixels.js';
import { splitDataset } from './split.js';
import { loadDatasetSpec } from './spec.js';
import type { ImageDataset } from './types.js';

test('compactValues keeps up to 256 distinct values as bytes with an ascending table, more as float32', () => {
  const few = compactValues([0.5, 0.25, 0.5, 1, 0.25]);
  assert.ok(few.images instanceof Uint8Array);
  assert.deepEqual(Array.from(few.images), [1, 0, 1, 2, 0]);
  assert.deepEqual(Array.from(few.levels!.subarray(0, 3)), [0.25, 0.5, 1]);
  assert.deepEqual(Array.from(pixelValues(few)), [0.5, 0.25, 0.5, 1, 0.25]);
  const many = compactValues(Array.from({ length: 300 }, (_, i) => i / 7));
  assert.ok(many.images instanceof Float32Array && many.levels === undefined);
  assert.equal(many.images[299], Math.fround(299 / 7));
});

/** compactValues as a JS Set and Map of Math.fround values would give it (its definition before the hashed table). */
function compactByMap(values: number[]): { codes: number[]; levels: number[] } | null {
  const distinct = [...new Set(values.map((v) => Math.fround(v)))];
  if (distinct.length > 256) return null;
  const sorted = distinct.sort((a, b) => a - b);
  const code = new Map(sorted.map((v, k) => [v, k]));
  return { codes: values.map((v) => code.get(Math.fround(v))!), levels: sorted };
}

test('compactValues: the codes and levels a Set and Map of float32 values give, at 1, 255, 256 and 257 distinct values', () => {
  let seed = 7;
  const random = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  for (const distinct of [1, 255, 256, 257]) {
    // Values that differ only below float32's precision count as one; -0 is 0.
    const palette = Array.from({ length: distinct }, (_, k) => (k === 0 ? -0 : (k - 100.5) / 3));
    const values = Array.from({ length: 5000 }, (_, i) => (i < distinct ? palette[i]! : palette[Math.floor(random() * distinct)]!) * (i % 2 ? 1 + 1e-12 : 1));
    const expected = compactByMap(values);
    const got = compactValues(values);
    if (!expected) {
      assert.ok(got.images instanceof Float32Array && got.levels === undefined, `${distinct} distinct: float32`);
      continue;
    }
    assert.ok(got.images instanceof Uint8Array, `${distinct} distinct: bytes`);
    assert.deepEqual(Array.from(got.images), expected.codes);
    assert.equal(expected.levels.length, distinct);
    assert.deepEqual(Array.from(got.levels!.subarray(0, distinct)), expected.levels);
  }
  const zeros = compactValues([0, -0, 0.5, -0]);
  assert.deepEqual(Array.from(zeros.images), [0, 0, 1, 0], '-0 is 0');
  const nans = compactValues([NaN, 1, -NaN, 0 / 0]).images;
  assert.ok(nans[0] === nans[2] && nans[2] === nans[3] && nans[0] !== nans[1], 'every NaN is one value');
});

test('loadCsv turns to float32 at the first non-byte value, keeping the earlier values exact', () => {
  const dir = tempDir();
  const f = join(dir, 'mixed.csv');
  writeFileSync(f, '0,255,7,1\n3,12,300,0\n4,5,6,1\n');
  const ds = loadCsv({ path: f, scale: 0.5 });
  assert.ok(ds.images instanceof Float32Array, '300 is not a byte');
  assert.deepEqual(Array.from(ds.images), [0, 127.5, 3.5, 1.5, 6, 150, 2, 2.5, 3]);
  writeFileSync(f, '0,255,7,1\n3,12,-1,0\n');
  assert.ok(loadCsv({ path: f }).images instanceof Float32Array, 'negative values are floats');
  writeFileSync(f, '0,255,7,1\n3,12,100,0\n');
  const bytes = loadCsv({ path: f, scale: 0.01 });
  assert.ok(bytes.images instanceof Uint8Array);
  assert.deepEqual(Array.from(pixelValues(bytes)), [0, 255, 7, 3, 12, 100].map((v) => Math.fround(v * 0.01)));
});

test('a byte dataset and its float twin give bitwise the same statistics and augmented, normalized batches', async () => {
  const dir = tempDir();
  const f = join(dir, 'batch.bin');
  writeFileSync(f, cifarBytes(40));
  const compact = loadCifar10([f]);
  const floats: ImageDataset = { ...compact, images: Float32Array.from(pixelValues(compact)) };
  delete floats.levels;
  assertPixels(compact);
  assertPixels(floats);
  assert.equal(compact.images.byteLength * 4, floats.images.byteLength);
  const stats = computeNormalization(compact);
  assert.deepEqual(stats, computeNormalization(floats));
  const options = { batchSize: 16, augment: { ...defaultAugment(compact), randomErasing: { p: 1 } }, normalization: stats, seed: 5, epoch: 1 };
  const order = Int32Array.from({ length: 40 }, (_, i) => (i * 17) % 40);
  const a = [...makeRawBatches(compact, order, options)];
  const b = [...makeRawBatches(floats, order, options)];
  assert.equal(a.length, 3);
  a.forEach((batch, k) => assert.deepEqual(batch.x, b[k]!.x));
  let k = 0;
  for await (const raw of new BatchLoader(compact, order, { ...options, prefetch: 2 }).raw()) assert.deepEqual(raw.x, a[k++]!.x);
  assert.equal(k, 3, 'the worker thread reads the shared bytes too');
});

test('splits are views of one shared copy; a prepared dataset keeps no second copy of its source', () => {
  const dir = tempDir();
  const f = join(dir, 'batch.bin');
  writeFileSync(f, cifarBytes(50));
  const ds = loadCifar10([f]);
  assert.ok(ds.images.buffer instanceof SharedArrayBuffer, 'loaders allocate shared memory (no copy for BatchLoader threads)');
  const [train, val] = splitDataset(ds, { ratios: [0.8, 0.2], seed: 1 });
  assert.equal(train!.images.buffer, val!.images.buffer, 'one buffer for all splits');
  assert.equal(train!.images.buffer.byteLength, ds.images.byteLength);
  assert.ok(train!.levels === UNIT_LEVELS);
  const prepared = loadDatasetSpec({ source: { cifar10: [f] } });
  assert.equal('images' in prepared.source, false, 'the source is described, its pixels live in the splits');
  assert.equal(prepared.source.count, 50);
  assert.throws(() => assertPixels({ ...ds, levels: undefined }), /8-bit pixels need a 256-entry Float32Array "levels"/);
  assert.throws(() => assertPixels({ ...ds, count: 49 }), /holds 153600 pixel values, expected 49 × 32 × 32 × 3 = 150528/);
});
