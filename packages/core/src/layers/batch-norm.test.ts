import assert from 'node:assert/strict';
import { test } from 'node:test';

import * as tf from '@tensorflow/tfjs';

import { assertClose } from '../testing/assert.js';
import { BatchNorm, batchNorm } from './batch-norm.js';
import { bnCases, buildWith, checkAgainstTorch, trainingStep } from './bn-test-support.js';

for (const name of Object.keys(bnCases)) {
  const fx = bnCases[name]!;
  test(`BatchNorm matches torch ${fx.module} (${name}) with momentum ${fx.momentum}`, () => {
    checkAgainstTorch(batchNorm({ momentum: fx.momentum, epsilon: fx.eps }), name);
  });
  test(`BatchNorm matches torch ${fx.module} (${name}) with the lecture's rho = ${1 - fx.momentum}`, () => {
    checkAgainstTorch(batchNorm({ rho: 1 - fx.momentum, epsilon: fx.eps }), name);
  });
}

test('momentum 0.1 and rho 0.9 are the same layer; torch default momentum 0.1 and eps 1e-5', () => {
  assert.equal(batchNorm().momentum, 0.1);
  assert.equal(batchNorm().epsilon, 1e-5);
  assert.ok(Math.abs(batchNorm({ rho: 0.9 }).momentum - 0.1) < 1e-12);
  assert.ok(Math.abs(batchNorm({ momentum: 0.1 }).rho - 0.9) < 1e-12);
  // Agreeing values given both ways are accepted.
  assert.ok(Math.abs(batchNorm({ momentum: 0.1, rho: 0.9 }).momentum - 0.1) < 1e-12);
});

test('bad options get errors that name the option', () => {
  assert.throws(() => batchNorm({ momentum: 0.1, rho: 0.1 }), /momentum 0\.1 .*and rho 0\.1 .*disagree/);
  assert.throws(() => batchNorm({ momentum: 1.5 }), /batchNorm momentum .*expected a number in \[0, 1\], got 1\.5/);
  assert.throws(() => batchNorm({ rho: -0.2 }), /batchNorm rho .*got -0\.2/);
  assert.throws(() => batchNorm({ epsilon: 0 }), /batchNorm epsilon: expected a positive number, got 0/);
  assert.throws(() => batchNorm({ axis: 1 }), /batchNorm axis: only -1 .*got 1/);
});

test('bad inputs get clear errors and leave the running statistics untouched', () => {
  const bn = batchNorm();
  bn.apply(tf.zeros([2, 3]));
  const before = bn.getWeights().map((w) => Array.from(w.dataSync()));
  assert.throws(() => bn.apply(tf.ones([1, 3]), { training: true }), /expected more than 1 value per channel when training, got input shape \[1, 3\]/);
  assert.throws(() => bn.apply(tf.ones([4, 5]), { training: true }), /batchNorm: expected an input \[\.\.\., 3\] of rank >= 2, got \[4, 5\]/);
  assert.deepEqual(bn.getWeights().map((w) => Array.from(w.dataSync())), before);
  assert.throws(() => batchNorm().apply(tf.ones([4])), /batchNorm: expected an input of rank >= 2/);
});

test('weights carry Keras names and trainability: gamma, beta trainable; moving_mean, moving_variance not', () => {
  const bn = batchNorm({ name: 'bn' });
  bn.apply(tf.zeros([2, 5, 5, 4]));
  assert.deepEqual(bn.weights.map((w) => w.originalName), ['bn/gamma', 'bn/beta', 'bn/moving_mean', 'bn/moving_variance']);
  assert.deepEqual(bn.trainableWeights.map((w) => w.originalName), ['bn/gamma', 'bn/beta']);
  assert.deepEqual(bn.weights.map((w) => w.shape), [[4], [4], [4], [4]]);
});

test('the weights load into a stock tfjs BatchNormalization (momentum = rho) with the same inference output', () => {
  const fx = bnCases['bn2d_momentum0.1']!;
  const ours = batchNorm({ momentum: fx.momentum });
  buildWith(ours, fx.shape, fx.gamma, fx.beta);
  trainingStep(ours, fx.shape, fx.steps[0]!.x, fx.steps[0]!.dy);
  const stock = tf.layers.batchNormalization({ momentum: ours.rho, epsilon: ours.epsilon });
  stock.apply(tf.zeros(fx.shape));
  stock.setWeights(ours.getWeights());
  const x = tf.tensor(fx.eval.x, fx.shape);
  assertClose((stock.apply(x) as tf.Tensor).dataSync(), (ours.apply(x) as tf.Tensor).dataSync(), { label: 'stock vs ours' });
});

test('repeated training forwards+backwards leak no tensors and update the running stats once per forward', () => {
  const bn = batchNorm({ momentum: 0.5 });
  const x = tf.randomNormal([8, 4, 4, 3], 2, 1, 'float32', 1);
  const dy = tf.randomNormal([8, 4, 4, 3], 0, 1, 'float32', 2);
  bn.apply(x);
  const [gamma, beta] = bn.trainableWeights.map((w) => w.read() as tf.Variable);
  const step = () => {
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(bn.apply(x, { training: true }) as tf.Tensor, dy)) as tf.Scalar, [gamma!, beta!]);
    value.dispose();
    tf.dispose(grads);
  };
  step();
  const baseline = tf.memory().numTensors;
  for (let i = 0; i < 5; i++) step();
  assert.equal(tf.memory().numTensors, baseline);
  // After 6 updates with m = 0.5 the running mean is 2·(1 − 0.5⁶) of the way from 0 to the batch mean (≈ 2).
  const batchMean = tf.tidy(() => tf.mean(tf.reshape(x, [-1, 3]), 0).dataSync());
  assertClose(bn.getWeights()[2]!.dataSync(), Array.from(batchMean, (m) => m * (1 - 0.5 ** 6)), { label: 'running mean' });
  // Inference-only and training-without-gradient forwards leak nothing either.
  const before = tf.memory().numTensors;
  tf.dispose([bn.apply(x) as tf.Tensor, bn.apply(x, { training: true }) as tf.Tensor]);
  assert.equal(tf.memory().numTensors, before);
});

test('BatchNorm trains inside model.fit and survives a save/load round trip', async () => {
  const model = tf.sequential({
    layers: [tf.layers.dense({ inputShape: [3], units: 4 }), batchNorm({ rho: 0.8, epsilon: 1e-3 }), tf.layers.dense({ units: 2 })],
  });
  model.compile({ optimizer: tf.train.sgd(0.1), loss: 'meanSquaredError' });
  const xs = tf.randomNormal([16, 3], 0, 1, 'float32', 3);
  const ys = tf.randomNormal([16, 2], 0, 1, 'float32', 4);
  await model.fit(xs, ys, { epochs: 2, batchSize: 8, verbose: 0 });
  const movingMean = model.layers[1]!.getWeights()[2]!.dataSync();
  assert.ok(Array.from(movingMean).some((v) => v !== 0), 'fit updated the moving mean');

  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (a) => { artifacts = a; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }; }));
  const loaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts!));
  const layer = loaded.layers[1]!;
  assert.ok(layer instanceof BatchNorm);
  assert.ok(Math.abs(layer.rho - 0.8) < 1e-12);
  assert.equal(layer.epsilon, 1e-3);
  assertClose((loaded.predict(xs) as tf.Tensor).dataSync(), (model.predict(xs) as tf.Tensor).dataSync(), { label: 'loaded predict' });
});
