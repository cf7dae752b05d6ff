import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runWorker } from '@tensorfleet/worker';
import { logMessages } from '@tensorfleet/protocol';
import { captureLogger, job as makeJob, logger, runCluster, token } from './cluster.test-util.js';
import { startParameterServer } from './parameter-server.js';

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

test('a run interrupted mid-epoch and resumed reports that epoch and the run\'s updates exactly as an uninterrupted run does (all its steps)', async () => {
  const root = mkdtempSync(join(tmpdir(), 'tf-resume-mid-'));
  try {
    // 8 steps an epoch, a checkpoint every 3 steps: the run is stopped after step 10, so it resumes from step 9,
    // one step into epoch 1; that epoch's line must still average steps 8..15.
    const base = {
      workers: 2,
      job: makeJob({ epochs: 2, maxStepsPerEpoch: 8 }),
      optimizer: { name: 'sgd' as const, options: { lr: 0.05, momentum: 0.9 } },
      scheduler: null,
    };
    const epochLine = (lines: Record<string, unknown>[]) => {
      const line = lines.find((l) => l.msg === logMessages.epoch && l.epoch === 1)!;
      return { loss: line.loss, accuracy: line.accuracy, samples: line.samples, updates: line.updates, computeMsIsPerStep: (line.computeMs as number) > 0 };
    };
    const wholeLines: Record<string, unknown>[] = [];
    const whole = await runCluster({ ...base, checkpoint: { dir: join(root, 'a'), everySteps: 3 }, logger: captureLogger(wholeLines) });

    const dir = join(root, 'b');
    const ps = await startParameterServer({
      ...base, token, logger, checkpoint: { dir, everySteps: 3 },
      onStep: (p) => void (p.step === 10 && ps.close()),
    });
    const workers = [0, 1].map((i) => runWorker({ psUrl: ps.url, token, logger, name: `w${i}` }).catch((e: Error) => e));
    await assert.rejects(ps.done, /closed before training finished/);
    await Promise.all(workers);

    const resumedLines: Record<string, unknown>[] = [];
    const resumed = await runCluster({ ...base, checkpoint: { dir, everySteps: 3 }, resume: true, logger: captureLogger(resumedLines) });
    assert.ok(resumedLines.some((l) => l.msg === logMessages.training && l.step === 9), 'resumed mid-epoch, from step 9');
    // Bitwise: the same float64 sums in the same order (the partial sums travel exactly in the checkpoint).
    assert.deepEqual(epochLine(resumedLines), epochLine(wholeLines));
    const [e, w] = [resumed.summary.epochs[1]!, whole.summary.epochs[1]!];
    assert.equal(e.steps, 8);
    assert.equal(e.updates, 8, 'the resumed epoch counts the updates before the resume too');
    assert.equal(resumed.summary.updates, 16, 'the run\'s updates: both epochs, all 16 steps');
    assert.equal(resumed.summary.updates, whole.summary.updates);
    assert.equal(e.trainLoss, w.trainLoss);
    assert.equal(e.trainAccuracy, w.trainAccuracy);
    assert.ok(e.seconds > 0 && Number.isFinite(e.samplesPerSec));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
