import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, createTrainer, type NamedWeights } from '@tensorfleet/core';
import { job, runCluster, smallMlp } from './cluster.test-util.js';

test('fine-tuning: 3 workers start from given weights; frozen layers (BN included) end bitwise unchanged, the rest trains', async () => {
  const spec = smallMlp({ units: 16, bn: true, seed: 4 });
  // "Pretrained" weights: another seed and non-default BN statistics, so starting from them is visible.
  const source = buildModel({ ...spec, seed: 99 });
  const sourceTrainer = createTrainer(source);
  sourceTrainer.setStates(sourceTrainer.getStates().map((s, i) => s.map((_, j) => 0.3 + 0.2 * i + j / 50)));
  const pretrained: NamedWeights = new Map(source.weights.map((w) => [w.originalName, { shape: [...(w.shape as number[])], values: new Float32Array(w.read().dataSync()) }]));
  sourceTrainer.dispose();
  source.dispose();
  const frozen = ['dense_1', 'batchNorm_2'];

  const { summary } = await runCluster({
    workers: 3,
    job: job({ model: spec, batchSize: 8, maxStepsPerEpoch: 4, epochs: 2, trainer: { frozen } }),
    optimizer: { name: 'sgd', options: { lr: 0.1, momentum: 0.9, weightDecay: 0.01 } },
    scheduler: null,
    initialWeights: pretrained,
  });
  assert.equal(summary.steps, 8);
  summary.parameterNames.forEach((name, i) => {
    const start = pretrained.get(name)!.values;
    const end = summary.parameters[i]!;
    if (frozen.some((l) => name.startsWith(`${l}/`))) assert.deepEqual(end, start, `${name} is frozen: bitwise unchanged`);
    else assert.ok(end.some((v, j) => v !== start[j]), `${name} trained`);
  });
  // The frozen BatchNorm kept the pretrained running statistics (its layer normalized with them, never updated them).
  assert.deepEqual(summary.states[0], pretrained.get('batchNorm_2/moving_mean')!.values);
  assert.deepEqual(summary.states[1], pretrained.get('batchNorm_2/moving_variance')!.values);
});

test('frozen layers with parameter shards are refused, naming the option', async () => {
  await assert.rejects(
    runCluster({ workers: 1, job: job({ trainer: { frozen: ['dense_1'] } }), shards: ['ws://127.0.0.1:1'] }),
    /option "shards": expected no parameter shards when layers are frozen/,
  );
});
