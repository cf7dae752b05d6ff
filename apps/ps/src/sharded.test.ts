import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { job as makeJob, logger, runCluster, smallMlp, token } from './cluster.test-util.js';
import { partitionParameters } from './partition.js';
import { shardPartPath, startParameterShard } from './parameter-shard.js';

test('partitionParameters balances sizes greedily, deterministically, and names bad input', () => {
  assert.deepEqual(partitionParameters([[784, 64], [64], [64, 10], [10]], 2), [[0], [1, 2, 3]]);
  assert.deepEqual(partitionParameters([[10], [10], [10], [10]], 2), [[0, 2], [1, 3]]);
  assert.deepEqual(partitionParameters([[5], [3], [3], [2]], 3), [[0], [1, 3], [2]]);
  assert.throws(() => partitionParameters([[1]], 2), /2 shards for 1 parameter tensors/);
  assert.throws(() => partitionParameters([[1]], 0), /shards must be a positive integer, got 0/);
});

const job = makeJob({
  model: smallMlp({ units: 24, bn: true, seed: 3 }), batchSize: 16, epochs: 2, maxStepsPerEpoch: 12, evaluateVal: true, evalBatchSize: 1000,
});
const optimizer = { name: 'adam' as const, options: { lr: 0.01 } };
// patience 0 / factor 0.5: the learning rate changes between epochs, so the shards must follow the primary's.
const scheduler = { name: 'reduceLROnPlateau' as const, options: { patience: 0, factor: 0.5, threshold: 10 } };

for (const K of [2, 3]) {
  test(`K=${K} sharded parameter servers (Adam, lr schedule, checkpoints) give bitwise the results of K=1`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tf-shards-'));
    const shards = await Promise.all(Array.from({ length: K - 1 }, () => startParameterShard({ token, logger })));
    try {
      const single = await runCluster({ workers: 2, job, optimizer, scheduler });
      const sharded = await runCluster({
        workers: 2, job, optimizer, scheduler, shards: shards.map((s) => s.url), checkpoint: { dir, everySteps: 5 },
      });
      await Promise.all(shards.map((s) => s.done));
      assert.equal(sharded.summary.steps, 24);
      assert.notEqual(sharded.summary.epochs[1]!.lr, sharded.summary.epochs[0]!.lr, 'the learning rate changed between epochs');
      sharded.summary.parameters.forEach((p, i) =>
        assert.ok(Buffer.from(p.buffer).equals(Buffer.from(single.summary.parameters[i]!.buffer)), `parameter ${sharded.summary.parameterNames[i]} differs`),
      );
      sharded.summary.states.forEach((s, i) => assert.deepEqual(Array.from(s), Array.from(single.summary.states[i]!)));
      assert.deepEqual(sharded.summary.epochs.map((e) => e.val!.loss), single.summary.epochs.map((e) => e.val!.loss));
      for (let k = 1; k < K; k++) {
        // Parts are kept with their checkpoints (the newest two) and pruned with them.
        for (const step of [20, 24]) assert.ok(existsSync(shardPartPath(dir, k, step)), `shard ${k} checkpoint part at step ${step}`);
        for (const step of [5, 12]) assert.ok(!existsSync(shardPartPath(dir, k, step)), `shard ${k} part at step ${step} pruned`);
      }
    } finally {
      await Promise.all(shards.map((s) => s.close()));
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('a sharded run resumed from its checkpoint (each shard from its own part: Adam moments) equals an uninterrupted one', async () => {
  const root = mkdtempSync(join(tmpdir(), 'tf-shards-resume-'));
  const withShard = async <T>(run: (url: string) => Promise<T>): Promise<T> => {
    const shard = await startParameterShard({ token, logger });
    try {
      return await run(shard.url);
    } finally {
      await shard.close();
    }
  };
  try {
    const base = { workers: 2, optimizer, scheduler: null };
    const epochs = (n: number) => ({ ...job, epochs: n, evaluateVal: false });
    const whole = await withShard((url) => runCluster({ ...base, job: epochs(2), shards: [url] }));
    await withShard((url) => runCluster({ ...base, job: epochs(1), shards: [url], checkpoint: { dir: root } }));
    const resumed = await withShard((url) => runCluster({ ...base, job: epochs(2), shards: [url], checkpoint: { dir: root }, resume: true }));
    assert.deepEqual(resumed.workerSummaries.map((w) => w.steps), [12, 12], 'only epoch 2 ran after the resume');
    resumed.summary.parameters.forEach((p, i) =>
      assert.ok(Buffer.from(p.buffer).equals(Buffer.from(whole.summary.parameters[i]!.buffer)), `parameter ${i} differs after resume`),
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
