import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { job as makeJob, logger, relErr, singleProcessReference, smallMlp, token } from './cluster.test-util.js';
import { startParameterServer } from './parameter-server.js';

const workerScript = new URL('./sync-worker.test-util.js', import.meta.url);

test('a whole sync-SGD run with bn "sync" over 2 worker threads == one process with BatchNorm on the concatenated batch', async (t) => {
  const W = 2;
  const steps = 12;
  const optimizer = { name: 'sgd' as const, options: { lr: 0.1, momentum: 0.9 } };
  const job = makeJob({ model: smallMlp({ units: 16, bn: true, seed: 4 }), batchSize: 8, maxStepsPerEpoch: steps, bn: 'sync' });
  const ps = await startParameterServer({ token, logger, workers: W, job, optimizer, scheduler: null });
  const workers = Array.from({ length: W }, (_, i) => new Promise<{ summary?: { steps: number; computeMsPerStep: number }; error?: string }>((resolve, reject) => {
    const w = new Worker(workerScript, { workerData: { psUrl: ps.url, token, name: `w${i}` } });
    w.once('message', resolve);
    w.once('error', reject);
  }));
  const [summary, ...outcomes] = await Promise.all([ps.done, ...workers]);
  outcomes.forEach((o, r) => assert.ok(o.summary && o.summary.steps === steps, `worker ${r}: ${o.error ?? JSON.stringify(o.summary)}`));
  t.diagnostic(`sync BN compute ms/step per worker: ${outcomes.map((o) => o.summary!.computeMsPerStep.toFixed(1)).join(', ')}`);

  // Reference: one process, plain BatchNorm, the concatenation (rank order) of the workers' batches of each step.
  const { initial, final: params, states } = singleProcessReference(job, W, steps, optimizer.options);
  summary.parameters.forEach((p, i) => {
    const err = relErr(p, params[i]!);
    assert.ok(err <= 1e-5, `parameter ${summary.parameterNames[i]}: relative error ${err.toExponential(2)} > 1e-5`);
  });
  summary.states.forEach((s, i) => assert.ok(relErr(s, states[i]!) <= 1e-5, `BN running stat ${i}: relative error ${relErr(s, states[i]!).toExponential(2)}`));
  assert.ok(relErr(summary.parameters[0]!, initial[0]!) > 1e-3, 'the parameters moved');
});
