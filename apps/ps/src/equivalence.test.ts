import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { buildModel, createOptimizer, createTrainer, loadDatasetSpec } from '@tensorfleet/core';
import { ShardData } from '@tensorfleet/worker';
import { job as makeJob, relErr, runCluster } from './cluster.test-util.js';

test('2 workers of batch b for 20 steps == one process on the concatenated batch (rel err ≤ 1e-5); reruns are bitwise equal', async () => {
  const job = makeJob({ maxStepsPerEpoch: 20 });
  const optimizer = { name: 'sgd' as const, options: { lr: 0.05, momentum: 0.9 } };
  const { summary, workerSummaries } = await runCluster({ workers: 2, job, optimizer, scheduler: null });
  assert.equal(summary.steps, 20);
  assert.deepEqual(workerSummaries.map((w) => [w.rank, w.steps, w.ended]).sort(), [[0, 20, 'done'], [1, 20, 'done']]);

  // reference: one process, batch of 2b = rank 0's batch then rank 1's, same initial weights and optimizer
  const data = loadDatasetSpec(job.dataset);
  const shards = [0, 1].map((r) => new ShardData(data, r, 2, job.batchSize, job.dataSeed));
  const model = buildModel(job.model);
  const trainer = createTrainer(model);
  const params = trainer.getParameters();
  const initial = params.map((p) => new Float32Array(p));
  const sgd = createOptimizer('sgd', params, optimizer.options);
  for (let s = 0; s < 20; s++) {
    const parts = shards.map((sh) => sh.trainBatch(0, s));
    const x = tf.concat(parts.map((p) => p.x));
    const labels = tf.concat(parts.map((p) => p.labels)) as tf.Tensor1D;
    const { grads } = trainer.computeGradients(x, labels);
    tf.dispose([x, labels, ...parts.flatMap((p) => [p.x, p.labels])]);
    sgd.step(grads);
    trainer.setParameters(params);
  }
  trainer.dispose();
  model.dispose();
  summary.parameters.forEach((p, i) => {
    const err = relErr(p, params[i]!);
    assert.ok(err <= 1e-5, `parameter ${summary.parameterNames[i]}: relative error ${err.toExponential(2)} > 1e-5`);
  });
  assert.ok(relErr(summary.parameters[0]!, initial[0]!) > 1e-3, 'the parameters moved, so the comparison means something');

  const again = await runCluster({ workers: 2, job, optimizer, scheduler: null });
  again.summary.parameters.forEach((p, i) =>
    assert.ok(Buffer.from(p.buffer).equals(Buffer.from(summary.parameters[i]!.buffer)), `rerun not bitwise equal at parameter ${i}`),
  );
});
