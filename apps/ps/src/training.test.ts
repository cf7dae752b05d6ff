import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readLatestCheckpoint } from './checkpoint.js';
import { job, runCluster, smallMlp } from './cluster.test-util.js';

test('PS + 2 workers train a BN MLP on MNIST digits: val each epoch, test at the end, averaged BN stats, checkpoints', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tf-ps-'));
  try {
    const { summary, workerSummaries } = await runCluster({
      workers: 2,
      job: job({
        model: smallMlp({ units: 64, bn: true, dropout: 0.1, seed: 2 }), batchSize: 32, epochs: 2, dataSeed: 3, maxStepsPerEpoch: 25,
        trainer: { labelSmoothing: 0.1 }, evaluateVal: true, evaluateTest: true, evalBatchSize: 1000,
      }),
      optimizer: { name: 'sgd', options: { lr: 0.05, momentum: 0.9 } },
      checkpoint: { dir, everySteps: 20 },
    });
    assert.equal(summary.epochs.length, 2);
    assert.equal(summary.steps, 50);
    for (const e of summary.epochs) {
      assert.equal(e.val?.count, 1000, 'val shards add up to the whole val split');
      assert.ok(e.computeMsPerStep > 0 && e.samplesPerSec > 0);
    }
    assert.ok(workerSummaries.every((w) => w.steps === 50 && w.commMsPerStep > 0));
    assert.equal(summary.test?.count, 1000);
    assert.ok(summary.test!.top1 > 0.75, `test top-1 ${summary.test!.top1}`);
    // BN moving stats moved from their init and the checkpoint holds exactly the PS's averaged ones
    assert.ok(summary.states.length === 2 && summary.states[0]!.some((v) => Math.abs(v) > 1e-3));
    const ckpt = readLatestCheckpoint(dir)!;
    assert.equal(ckpt.state.step, 50);
    assert.equal(ckpt.state.epoch, 2);
    ckpt.state.states.forEach((s, i) => assert.deepEqual(Array.from(s), Array.from(summary.states[i]!)));
    assert.equal(summary.checkpoint, ckpt.path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
