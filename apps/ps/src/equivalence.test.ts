import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { buildModel, createOptimizer, createTrainer, loadDatasetSpec } from '@tensorfleet/core';
import type { TrainJobSpec } from '@tensorfleet/protocol';
import { ShardData } from '@tensorfleet/worker';
import { job as makeJob, relErr, runCluster } from './cluster.test-util.js';

const optimizer = { name: 'sgd' as const, options: { lr: 0.05, momentum: 0.9 } };

/** One process training on the concatenation (rank order) of the W workers' batches of each step. */
function singleProcessReference(job: TrainJobSpec, worldSize: number, steps: number): { initial: Float32Array[]; final: Float32Array[] } {
  const data = loadDatasetSpec(job.dataset);
  const shards = Array.from({ length: worldSize }, (_, r) => new ShardData(data, r, worldSize, job.batchSize, job.dataSeed));
  const model = buildModel(job.model);
  const trainer = createTrainer(model);
  const params = trainer.getParameters();
  const initial = params.map((p) => new Float32Array(p));
  const sgd = createOptimizer('sgd', params, optimizer.options);
  for (let s = 0; s < steps; s++) {
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
  return { initial, final: params };
}

for (const W of [2, 4]) {
  test(`${W} workers of batch b for 20 steps == one process on the concatenated batch of ${W}·b (rel err ≤ 1e-5)`, async () => {
    const job = makeJob({ maxStepsPerEpoch: 20 });
    const { summary, workerSummaries } = await runCluster({ workers: W, job, optimizer, scheduler: null });
    assert.equal(summary.steps, 20);
    assert.deepEqual(workerSummaries.map((w) => w.rank).sort(), [...Array(W).keys()]);
    assert.ok(workerSummaries.every((w) => w.steps === 20 && w.ended === 'done'));
    const reference = singleProcessReference(job, W, 20);
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
