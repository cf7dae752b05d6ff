import test from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { BatchLoader, makeBatches, makeRawBatches } from './batches.js';
import { defaultAugment } from './pipeline.js';
import { loadMnistDigits } from './mnist.js';
import { computeNormalization } from './normalization.js';
import { shardIndices } from './shard.js';

const digits = loadMnistDigits();
const stats = computeNormalization(digits);
const indices = shardIndices({ count: digits.count, rank: 1, worldSize: 50, epoch: 2, seed: 3 }); // 200 samples
const options = { batchSize: 64, augment: defaultAugment(digits), normalization: stats, seed: 11, epoch: 2 };

test('makeBatches yields NHWC float32 tensors and int32 labels in shard order, last batch partial', () => {
  const batches = [...makeBatches(digits, indices, options)];
  assert.deepEqual(batches.map((b) => b.x.shape), [[64, 28, 28, 1], [64, 28, 28, 1], [64, 28, 28, 1], [8, 28, 28, 1]]);
  assert.equal(batches[0]!.x.dtype, 'float32');
  assert.equal(batches[0]!.labels.dtype, 'int32');
  assert.deepEqual(Array.from(batches[1]!.labels.dataSync()), Array.from(indices.slice(64, 128), (i) => digits.labels[i]));
  assert.deepEqual(Array.from(batches[3]!.indices), Array.from(indices.slice(192)));
  batches.forEach((b) => tf.dispose([b.x, b.labels]));
  assert.equal([...makeRawBatches(digits, indices, { ...options, dropLast: true })].length, 3);
  assert.throws(() => [...makeBatches(digits, indices, { batchSize: 0 })], /batchSize must be a positive integer, got 0/);
});

test('BatchLoader prefetches on a worker thread and yields exactly the batches makeBatches does', async () => {
  const expected = [...makeRawBatches(digits, indices, options)];
  const loader = new BatchLoader(digits, indices, { ...options, prefetch: 2 });
  assert.equal(loader.length, 4);
  let k = 0;
  for await (const b of loader) {
    assert.deepEqual(b.x.dataSync(), expected[k]!.x);
    assert.deepEqual(b.labels.dataSync(), expected[k]!.labels);
    tf.dispose([b.x, b.labels]);
    k++;
  }
  assert.equal(k, 4);
  // in-thread path and early exit
  let n = 0;
  for await (const raw of new BatchLoader(digits, indices, { ...options, prefetch: 0 }).raw()) {
    assert.deepEqual(raw.x, expected[n]!.x);
    n++;
  }
  assert.equal(n, 4);
  for await (const b of new BatchLoader(digits, indices, { ...options, prefetch: 3 })) {
    tf.dispose([b.x, b.labels]);
    break; // terminates the thread
  }
});

test('BatchLoader prepares the next batches while a synchronous consumer blocks the main thread', async () => {
  const many = Int32Array.from({ length: 4096 }, (_, i) => i);
  const loader = new BatchLoader(digits, many, { batchSize: 512, augment: defaultAugment(digits), normalization: stats, seed: 1, prefetch: 2 });
  let batches = 0;
  for await (const raw of loader.raw()) {
    batches++;
    void raw;
    // a training step: blocks this thread (no awaits) far longer than preparing one batch takes
    const until = performance.now() + 400; // generous: a loaded machine prepares a batch several times slower
    while (performance.now() < until);
  }
  assert.equal(batches, 8);
  assert.equal(loader.stalls, 0, 'every batch after the first was ready when asked for');
  // control: a consumer that asks again at once must wait for the thread now and then
  const eager = new BatchLoader(digits, many, { batchSize: 512, augment: defaultAugment(digits), seed: 1, prefetch: 1 });
  for await (const raw of eager.raw()) void raw;
  assert.ok(eager.stalls > 0, 'an eager consumer outruns a one-batch prefetch');
});

test('BatchLoader validates options up front', () => {
  assert.throws(() => new BatchLoader(digits, indices, { batchSize: 8, augment: { randomVerticalFlip: {} } }), /6 into a 9/);
  assert.throws(() => new BatchLoader(digits, indices, { batchSize: 8, prefetch: -1 }), /prefetch must be a non-negative integer/);
});
