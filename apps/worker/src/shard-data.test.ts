import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadDatasetSpec, shardIndices } from '@tensorfleet/core';
import { ShardData } from './shard-data.js';
import { runWorker } from './run-worker.js';

const data = loadDatasetSpec({ source: 'mnist-digits', split: { ratios: [0.8, 0.1, 0.1], seed: 1 } });

test('training batches follow the DistributedSampler shard of the epoch, addressable by step', () => {
  const shard = new ShardData(data, 1, 3, 16, 9);
  const indices = shardIndices({ count: data.train.count, rank: 1, worldSize: 3, epoch: 2, seed: 9 });
  const { x, labels } = shard.trainBatch(2, 4);
  assert.deepEqual(x.shape, [16, 28, 28, 1]);
  assert.deepEqual(Array.from(labels.dataSync()), Array.from(indices.subarray(64, 80), (i) => data.train.labels[i]!));
  // normalized with the training split's statistics: mean over a batch is near 0, not the raw ~0.13
  assert.ok(Math.abs(x.mean().dataSync()[0]!) < 0.5);
  x.dispose();
  labels.dispose();
  assert.throws(() => shard.trainBatch(0, 10_000), /past the end of a \d+-sample shard/);
});

test('evaluation shares partition the split: disjoint, covering, no padding', () => {
  const val = data.val!;
  const seen = new Set<number>();
  let total = 0;
  for (let r = 0; r < 3; r++) {
    for (const i of new ShardData(data, r, 3, 16, 0).evalIndices(val)) seen.add(i);
    total += new ShardData(data, r, 3, 16, 0).evalIndices(val).length;
  }
  assert.equal(total, val.count);
  assert.equal(seen.size, val.count);
  const batches = [...new ShardData(data, 0, 3, 16, 0).evalBatches(val, 100)];
  assert.equal(batches.reduce((n, b) => n + b.labels.shape[0], 0), Math.ceil(val.count / 3));
  for (const b of batches) b.x.dispose(), b.labels.dispose();
});

test('runWorker names a bad option before connecting', async () => {
  await assert.rejects(runWorker({ psUrl: 'http://x', token: 't' }), /option "psUrl": expected ws:\/\/host:port/);
  await assert.rejects(runWorker({ psUrl: 'ws://127.0.0.1:1', token: '' }), /option "token"/);
});
