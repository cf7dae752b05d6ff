import assert from 'node:assert/strict';
import { test } from 'node:test';

import * as tf from '@tensorflow/tfjs';

import { assertClose } from '../testing/assert.js';
import { bnCases, buildWith, checkAgainstTorch, type StepResult, trainingStep } from './bn-test-support.js';
import { runInLockstep } from './lockstep-collective.js';
import { type BatchNormCollective, localCollective, SyncBatchNorm, syncBatchNorm } from './sync-batch-norm.js';

for (const name of Object.keys(bnCases)) {
  const fx = bnCases[name]!;
  test(`SyncBatchNorm with localCollective matches torch ${fx.module} (${name})`, () => {
    checkAgainstTorch(syncBatchNorm({ momentum: fx.momentum, epsilon: fx.eps, collective: localCollective }), name);
  });
}

/**
 * Splits each fixture step's batch into replicas of the given sizes, runs SyncBatchNorm on every replica in lockstep,
 * and compares with torch's BatchNorm on the whole (concatenated) batch: outputs, input gradients and running stats
 * per replica, and dγ/dβ summed over replicas (each replica's are local, as torch's SyncBatchNorm).
 */
function checkReplicasAgainstConcatenated(name: string, sizes: number[]): number {
  const fx = bnCases[name]!;
  const perSample = fx.shape.slice(1).reduce((a, b) => a * b, 1);
  const starts = sizes.map((_, r) => sizes.slice(0, r).reduce((a, b) => a + b, 0));
  assert.equal(starts[sizes.length - 1]! + sizes[sizes.length - 1]!, fx.shape[0]);
  const { results, rounds } = runInLockstep(sizes.length, (rank, collective) => {
    const shape = [sizes[rank]!, ...fx.shape.slice(1)];
    const part = (values: number[]) => values.slice(starts[rank]! * perSample, (starts[rank]! + sizes[rank]!) * perSample);
    const layer = syncBatchNorm({ momentum: fx.momentum, epsilon: fx.eps, collective });
    buildWith(layer, shape, fx.gamma, fx.beta);
    return fx.steps.map((step) => trainingStep(layer, shape, part(step.x), part(step.dy)));
  });
  fx.steps.forEach((step, i) => {
    const label = (what: string) => `${name} W=${sizes.length} step ${i + 1} ${what}`;
    const concat = (key: keyof StepResult) => results.flatMap((steps) => Array.from(steps[i]![key]));
    const sumOver = (key: keyof StepResult) => step.dgamma.map((_, c) => results.reduce((s, steps) => s + steps[i]![key][c]!, 0));
    assertClose(concat('y'), step.y, { label: label('y') });
    assertClose(concat('dx'), step.dx, { label: label('dx') });
    assertClose(sumOver('dgamma'), step.dgamma, { label: label('Σ dgamma') });
    assertClose(sumOver('dbeta'), step.dbeta, { label: label('Σ dbeta') });
    for (const steps of results) {
      assertClose(steps[i]!.runningMean, step.runningMean, { label: label('running mean') });
      assertClose(steps[i]!.runningVar, step.runningVar, { label: label('running var') });
    }
  });
  return rounds;
}

test('SyncBatchNorm over W=2 lockstep replicas equals torch BatchNorm2d on the concatenated batch', () => {
  const rounds = checkReplicasAgainstConcatenated('bn2d_momentum0.1', [2, 2]);
  assert.ok(rounds >= 3, `replicas exchanged statistics (settled after ${rounds} rounds)`);
});

test('SyncBatchNorm over W=4 replicas, and over unequal replica batches, equals torch BatchNorm1d', () => {
  checkReplicasAgainstConcatenated('bn1d_momentum0.1', [4, 4, 4, 4]);
  checkReplicasAgainstConcatenated('bn1d_momentum0.3', [3, 7]);
});

test('one replica alone does not match the global batch (the lockstep test can fail)', () => {
  const fx = bnCases['bn2d_momentum0.1']!;
  const shape = [2, ...fx.shape.slice(1)];
  const n = shape.reduce((a, b) => a * b, 1);
  const layer = syncBatchNorm({ momentum: fx.momentum, collective: localCollective });
  buildWith(layer, shape, fx.gamma, fx.beta);
  const got = trainingStep(layer, shape, fx.steps[0]!.x.slice(0, n), fx.steps[0]!.dy.slice(0, n));
  assert.throws(() => assertClose(got.y, fx.steps[0]!.y.slice(0, n)));
});

test('two collective calls per training step, one per gradient-free training forward, none at inference', () => {
  const calls: number[] = [];
  const counting: BatchNormCollective = { allreduceSum: (v) => (calls.push(v.length), v) };
  const layer = syncBatchNorm({ collective: counting });
  buildWith(layer, [6, 5], [1, 1, 1, 1, 1], [0, 0, 0, 0, 0]);
  trainingStep(layer, [6, 5], Array.from({ length: 30 }, (_, i) => Math.sin(i)), Array.from({ length: 30 }, (_, i) => Math.cos(i)));
  assert.deepEqual(calls, [11, 10], 'forward [Σx, Σx², count] (2C+1), backward [Σdy, Σdy·x̂] (2C)');
  tf.dispose(layer.apply(tf.ones([6, 5]), { training: true }) as tf.Tensor);
  tf.dispose(layer.apply(tf.ones([6, 5])) as tf.Tensor);
  assert.deepEqual(calls, [11, 10, 11]);
});

test('a failing or malformed collective gives a clear error, no leak, running statistics untouched', () => {
  const x = tf.randomNormal([4, 3], 0, 1, 'float32', 5);
  const check = (collective: BatchNormCollective, pattern: RegExp) => {
    const layer = syncBatchNorm({ collective });
    layer.apply(x);
    const before = layer.getWeights().map((w) => Array.from(w.dataSync()));
    const tensors = tf.memory().numTensors;
    assert.throws(() => layer.apply(x, { training: true }), pattern);
    assert.equal(tf.memory().numTensors, tensors);
    assert.deepEqual(layer.getWeights().map((w) => Array.from(w.dataSync())), before);
  };
  check({ allreduceSum: () => { throw new Error('allreduce timed out after 5000 ms waiting for rank 1'); } }, /timed out/);
  check({ allreduceSum: (v) => v.subarray(1) }, /allreduceSum \(forward \[Σx, Σx², count\]\): expected a Float32Array of length 7, got a Float32Array of length 6/);
  check({ allreduceSum: (v) => Float32Array.from(v, () => NaN) }, /non-finite value NaN at index 0/);
  check({ allreduceSum: (v) => Float32Array.from(v, (x, i) => (i === v.length - 1 ? 1 : x)) }, /expected more than 1 value per channel/);
  assert.throws(() => syncBatchNorm({ collective: {} as BatchNormCollective }), /syncBatchNorm collective: expected an object with an allreduceSum/);
});

test('SyncBatchNorm repeated training steps leak no tensors', () => {
  const layer = syncBatchNorm();
  const x = tf.randomNormal([4, 3, 3, 2], 0, 1, 'float32', 6);
  const dy = tf.randomNormal([4, 3, 3, 2], 0, 1, 'float32', 7);
  layer.apply(x);
  const vars = layer.trainableWeights.map((w) => w.read() as tf.Variable);
  const step = () => {
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(layer.apply(x, { training: true }) as tf.Tensor, dy)) as tf.Scalar, vars);
    tf.dispose([value, grads]);
  };
  step();
  const baseline = tf.memory().numTensors;
  for (let i = 0; i < 4; i++) step();
  assert.equal(tf.memory().numTensors, baseline);
});

test('a saved SyncBatchNorm loads with localCollective and its options; the collective can be reassigned', async () => {
  const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [3], units: 2 }), syncBatchNorm({ rho: 0.7, epsilon: 1e-4 })] });
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (a) => { artifacts = a; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }; }));
  const loaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts!));
  const layer = loaded.layers[1]!;
  assert.ok(layer instanceof SyncBatchNorm);
  assert.equal(layer.collective, localCollective);
  assert.ok(Math.abs(layer.rho - 0.7) < 1e-12);
  assert.equal(layer.epsilon, 1e-4);
  assert.deepEqual(layer.weights.map((w) => w.originalName.split('/')[1]), ['gamma', 'beta', 'moving_mean', 'moving_variance']);
  const other: BatchNormCollective = { allreduceSum: (v) => v };
  layer.collective = other;
  assert.equal(layer.collective, other);
});
