import test from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadDatasetSpec, validateDatasetSpec, type DatasetSpec } from './spec.js';
import { makeRawBatches } from './batches.js';
import { normalize } from './normalization.js';
import { cifarBytes, tempDir, writeIdxPair } from './fixture-files.js';

test('loadDatasetSpec: mnist digits, stratified splits, training-split stats, guarded augmentation', () => {
  const spec: DatasetSpec = { source: 'mnist-digits', split: { ratios: [0.6, 0.2, 0.2], seed: 4 }, augment: { randomShift: {}, randomErasing: {} } };
  const data = loadDatasetSpec(JSON.parse(JSON.stringify(spec)));
  assert.deepEqual([data.train.count, data.val!.count, data.test!.count], [6000, 2000, 2000]);
  assert.equal(data.train.name, 'mnist-digits/train');
  assert.deepEqual(data.spec.split, { ratios: [0.6, 0.2, 0.2], seed: 4, stratify: true });
  assert.ok(data.normalization && Math.abs(data.normalization.mean[0]! - 0.131) < 0.01);
  // reproducible anywhere: a second load gives the same splits and stats
  const again = loadDatasetSpec(spec);
  assert.deepEqual(again.normalization, data.normalization);
  assert.deepEqual(again.val!.labels, data.val!.labels);
  // train-only: val batches come without augmentation and equal the normalized split
  const [valBatch] = [...makeRawBatches(data.val!, [0, 1, 2], { batchSize: 3, normalization: data.normalization! })];
  assert.deepEqual(valBatch!.x, normalize(data.val!, data.normalization!).images.subarray(0, 3 * 784));
  assert.throws(() => [...makeRawBatches(data.val!, [0], { batchSize: 1, augment: data.augment! })], /training split only/);
  assert.throws(() => loadDatasetSpec({ ...spec, augment: { randomVerticalFlip: {} } }), /6 into a 9/);
});

test('loadDatasetSpec loads idx, cifar10 and csv sources relative to baseDir', () => {
  const dir = tempDir();
  writeIdxPair(dir, { count: 20, classes: 2, gzip: true });
  const idx = loadDatasetSpec({ source: { idx: { images: 'images-idx3-ubyte.gz', labels: 'labels-idx1-ubyte.gz', name: 'fashion-mnist' } }, split: { ratios: [0.5, 0.5] }, normalize: false }, { baseDir: dir });
  assert.deepEqual([idx.train.count, idx.val!.count, idx.test], [10, 10, undefined]);
  assert.equal(idx.normalization, null);
  writeFileSync(join(dir, 'b1.bin'), cifarBytes(10));
  const cifar = loadDatasetSpec({ source: { cifar10: ['b1.bin'] }, split: { ratios: [0.8, 0.2], seed: 1, stratify: false } }, { baseDir: dir });
  assert.equal(cifar.normalization!.mean.length, 3);
  writeFileSync(join(dir, 't.csv'), 'x,y,label\n' + Array.from({ length: 30 }, (_, i) => `${i},${i % 7},${i % 3}`).join('\n'));
  const csv = loadDatasetSpec({ source: { csv: { path: 't.csv' } }, split: { ratios: [0.8, 0.1, 0.1] } }, { baseDir: dir });
  assert.deepEqual([csv.train.count, csv.train.channels, csv.train.numClasses], [24, 2, 3]);
});

test('validateDatasetSpec names the bad field', () => {
  assert.throws(() => validateDatasetSpec({ source: 'mnist' }), /spec\.source: expected one of "mnist-digits", \{idx: \.\.\.\}/);
  assert.throws(() => validateDatasetSpec({ source: 'mnist-digits', split: { ratios: [0.5, 0.6] } }), /spec\.split\.ratios: fractions must sum to 1/);
  assert.throws(() => validateDatasetSpec({ source: 'mnist-digits', split: { ratios: [1], seed: 'x' } }), /spec\.split\.seed: .*expected number/);
  assert.throws(() => validateDatasetSpec({ source: 'mnist-digits', normalise: true }), /spec: Unrecognized key: "normalise"/);
  assert.throws(() => validateDatasetSpec({ source: 'mnist-digits', augment: { randomErasing: { p: 3 } } }), /spec\.augment\.randomErasing\.p/);
  assert.throws(() => loadDatasetSpec({ source: { idx: { images: 'nope', labels: 'nope' } } }), /nope: cannot read dataset file/);
  assert.throws(() => loadDatasetSpec({ source: { cifar10: [] } } as DatasetSpec), /spec\.source\.cifar10: expected at least one CIFAR-10 batch file/);
  assert.deepEqual(validateDatasetSpec({ source: 'mnist-digits' }).split, { ratios: [0.8, 0.1, 0.1], seed: 0, stratify: true });
});
