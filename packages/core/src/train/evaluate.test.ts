import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { assertClose } from '../testing/index.js';
import { buildModel } from '../models/index.js';
import { countTopK, createTrainer } from './index.js';

await tf.setBackend('cpu');

test('countTopK ranks the true class among the scores', () => {
  const probs = tf.tensor2d([
    [0.1, 0.6, 0.3], // true 1: top-1
    [0.5, 0.2, 0.3], // true 2: second
    [0.5, 0.2, 0.3], // true 1: third
  ]);
  const labels = tf.tensor1d([1, 2, 1], 'int32');
  assert.equal(countTopK(probs, labels, 1), 1);
  assert.equal(countTopK(probs, labels, 2), 2);
  assert.equal(countTopK(probs, labels, 5), 3); // k above the class count counts everything
  tf.dispose([probs, labels]);
});

test('evaluate reports mean loss, top-1 and top-5 in inference mode', () => {
  const K = 8;
  const model = buildModel({
    inputShape: [5], numClasses: K, seed: 11,
    layers: [{ type: 'dense', units: 16, activation: 'tanh' }, { type: 'dropout', rate: 0.5 }, { type: 'dense', units: K }, { type: 'softmax' }],
  });
  const trainer = createTrainer(model, { labelSmoothing: 0.2 });
  const n = 64;
  const x = tf.randomNormal([n, 5], 0, 3, 'float32', 4);
  const labels = tf.tensor1d(Array.from({ length: n }, (_, i) => (i * 3) % K), 'int32');
  const result = trainer.evaluate(x, labels);

  const probs = model.predict(x) as tf.Tensor2D; // inference: dropout off
  const p = probs.arraySync();
  const ids = labels.arraySync();
  let top1 = 0, top5 = 0, loss = 0;
  p.forEach((row, i) => {
    const rank = row.filter((v) => v > row[ids[i]!]!).length;
    if (rank < 1) top1++;
    if (rank < 5) top5++;
    row.forEach((v, k) => { loss -= (k === ids[i] ? 0.8 + 0.2 / K : 0.2 / K) * Math.log(v); });
  });
  assert.equal(result.count, n);
  assert.equal(result.top1, top1 / n);
  assert.equal(result.top5, top5 / n);
  assert.ok(result.top5 > result.top1, 'an untrained 8-class model should rank some true classes 2nd..5th');
  assertClose(result.loss, loss / n, { rtol: 1e-5, label: 'loss' });
  // Inference mode is deterministic despite the dropout layer.
  assert.deepEqual(trainer.evaluate(x, labels), result);
  tf.dispose([x, labels, probs]);
  model.dispose();
});

test('bad input gets a clear error and leaves the model untouched', () => {
  const model = buildModel({ inputShape: [3], numClasses: 2, layers: [{ type: 'dense', units: 2 }, { type: 'softmax' }] });
  const trainer = createTrainer(model);
  assert.deepEqual(trainer.parameterShapes, [[3, 2], [2]]);
  assert.deepEqual(trainer.stateNames, []);
  const before = trainer.getParameters();
  assert.throws(() => trainer.setParameters([new Float32Array(6)]), /setParameters: expected 2 arrays, got 1/);
  assert.throws(
    () => trainer.setParameters([new Float32Array(6), new Float32Array(3)]),
    /setParameters\[1\] \(dense_0\/bias\): expected 2 values for shape \[2\], got 3/,
  );
  assert.throws(() => trainer.setParameters([new Float32Array(6).fill(1), new Float32Array([0, NaN])]), /value 1 is NaN/);
  trainer.getParameters().forEach((p, i) => assert.deepEqual(p, before[i]), 'a rejected write changes nothing');

  const x = tf.zeros([2, 3]);
  assert.throws(() => trainer.computeGradients(x, tf.tensor1d([0, 2], 'int32')), /labels\[1\]: expected a class id in \[0, 2\), got 2/);
  assert.throws(() => trainer.computeGradients(tf.zeros([2, 4]), tf.tensor1d([0, 1], 'int32')), /x: expected shape \[N,3\], got \[2,4\]/);
  assert.throws(() => trainer.evaluate(x, tf.tensor1d([0], 'int32')), /x: expected a tensor with 1 samples/);
  assert.throws(() => createTrainer(model, { labelSmoothing: 1 }), /labelSmoothing must be a number in \[0, 1\), got 1/);
  assert.throws(() => createTrainer(model, { smoothingFormula: 'x' as 'seed' }), /smoothingFormula must be 'uniform' or 'seed'/);
  assert.throws(() => createTrainer(model, { regularizer: { l2: -1 } }), /regularizer.l2 must be a finite number ≥ 0, got -1/);
  trainer.dispose();
  assert.throws(() => trainer.evaluate(x, tf.tensor1d([0, 1], 'int32')), /used after dispose/);
  model.dispose();
});

test('computeGradients counts the training batch rows predicted right (top-1 of the same forward pass)', () => {
  const K = 4;
  const model = buildModel({
    inputShape: [3], numClasses: K, seed: 5,
    layers: [{ type: 'dense', units: 8, activation: 'tanh' }, { type: 'dense', units: K }, { type: 'softmax' }],
  });
  const trainer = createTrainer(model);
  const x = tf.randomNormal([40, 3], 0, 1, 'float32', 9);
  const labels = tf.tensor1d(Array.from({ length: 40 }, (_, i) => i % K), 'int32');
  const { correct } = trainer.computeGradients(x, labels);
  const expected = countTopK(model.predict(x) as tf.Tensor2D, labels, 1); // no dropout/BN: training pass == inference
  assert.equal(correct, expected);
  assert.ok(correct > 0 && correct < 40, `a random model gets some but not all right, got ${correct}`);
  tf.dispose([x, labels]);
  model.dispose();
});
