import { test } from 'node:test';
import assert from 'node:assert/strict';
import { job as makeJob, relErr, runCluster, singleProcessReference } from './cluster.test-util.js';

const optimizer = { name: 'sgd' as const, options: { lr: 0.05, momentum: 0.9 } };

for (const W of [2, 4]) {
  test(`${W} workers of batch b for 20 steps == one process on the concatenated batch of ${W}·b (rel err ≤ 1e-5)`, async () => {
    const job = makeJob({ maxStepsPerEpoch: 20 });
    const { summary, workerSummaries } = await runCluster({ workers: W, job, optimizer, scheduler: null });
    assert.equal(summary.steps, 20);
    assert.deepEqual(workerSummaries.map((w) => w.rank).sort(), [...Array(W).keys()]);
    assert.ok(workerSummaries.every((w) => w.steps === 20 && w.ended === 'done'));
    const reference = singleProcessReference(job, W, 20, optimizer.options);
    summary.parameters.forEach((p, i) => {
      const err = relErr(p, reference.final[i]!);
      assert.ok(err <= 1e-5, `parameter ${summary.parameterNames[i]}: relative error ${err.toExponential(2)} > 1e-5`);
    });
    assert.ok(relErr(summary.parameters[0]!, reference.initial[0]!) > 1e-3, 'the parameters moved, so the comparison means something');
    if (W === 2) {
      const again = await runCluster({ workers: W, job, optimizer, scheduler: null });
      again.summary.parameters.forEach((p, i) =>
        assert.ok(Buffer.from(p.buffer).equals(Buffer.from(summary.parameters[i]!.buffer)), `rerun not bitwise equal at parameter ${i}`),
      );
    }
  });
}
