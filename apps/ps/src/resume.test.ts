import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { job as makeJob, runCluster } from './cluster.test-util.js';

test('a run stopped after epoch 1 and resumed from its checkpoint ends with the same parameters as an uninterrupted one', async () => {
  const root = mkdtempSync(join(tmpdir(), 'tf-resume-'));
  try {
    const base = {
      workers: 2,
      optimizer: { name: 'sgd' as const, options: { lr: 0.05, momentum: 0.9 } },
      scheduler: { name: 'reduceLROnPlateau' as const, options: { patience: 0, factor: 0.5 } },
    };
    const job = (epochs: number) => makeJob({ epochs, maxStepsPerEpoch: 8, evaluateVal: true, evalBatchSize: 1000 });
    const whole = await runCluster({ ...base, job: job(3), checkpoint: { dir: join(root, 'a') } });
    const first = await runCluster({ ...base, job: job(1), checkpoint: { dir: join(root, 'b') } });
    assert.equal(first.summary.steps, 8);
    const resumed = await runCluster({ ...base, job: job(3), checkpoint: { dir: join(root, 'b') }, resume: true });
    assert.equal(resumed.summary.steps, 24);
    assert.deepEqual(resumed.workerSummaries.map((w) => w.steps), [16, 16], 'the resumed workers only ran epochs 2 and 3');
    assert.equal(resumed.summary.epochs.length, 3, 'history carries epoch 1 from the checkpoint');
    assert.equal(resumed.summary.runId, first.summary.runId, 'the resumed run keeps its id');
    assert.deepEqual(resumed.summary.epochs.map((e) => e.lr), whole.summary.epochs.map((e) => e.lr));
    resumed.summary.parameters.forEach((p, i) =>
      assert.ok(Buffer.from(p.buffer).equals(Buffer.from(whole.summary.parameters[i]!.buffer)), `parameter ${i} differs after resume`),
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
