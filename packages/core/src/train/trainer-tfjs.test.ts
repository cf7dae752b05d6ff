// The trainer against tfjs itself: its gradients drive the same update as tf.train.sgd inside model.trainOnBatch,
// equal tf.grads of an independently written loss, and it leaks no tensors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { assertClose } from '../testing/index.js';
import { buildModel } from '../models/index.js';
import type { ModelSpec } from '../models/index.js';
import { labelSmoothingCrossEntropy } from '../losses/index.js';
import { createTrainer } from './index.js';

await tf.setBackend('cpu');

const K = 8;
function convSpec(bn: boolean, l2: number): ModelSpec {
  return {
    inputShape: [6, 6, 2], numClasses: K, seed: 3, regularizer: { l2 },
    layers: [
      { type: 'conv2d', filters: 4, kernelSize: 3, useBias: !bn },
      ...(bn ? [{ type: 'batchNorm' as const }] : []),
      { type: 'relu' }, { type: 'maxPool2d', poolSize: 2 }, { type: 'flatten' },
      { type: 'dense', units: K }, { type: 'softmax' },
    ],
  };
}

function batch(n: number, seed: number): { x: tf.Tensor4D; labels: tf.Tensor1D } {
  return {
    x: tf.randomNormal([n, 6, 6, 2], 0, 1, 'float32', seed),
    labels: tf.tensor1d(Array.from({ length: n }, (_, i) => (i * 5 + seed) % K), 'int32'),
  };
}

test('SGD by hand with the trainer gradients equals tf.train.sgd in trainOnBatch (BN, l2, label smoothing)', async () => {
  const lr = 0.1;
  const reference = buildModel(convSpec(true, 0.01));
  reference.compile({ optimizer: tf.train.sgd(lr), loss: labelSmoothingCrossEntropy({ epsilon: 0.1 }) });
  const model = buildModel(convSpec(true, 0.01));
  const trainer = createTrainer(model, { labelSmoothing: 0.1 });
  const refTrainer = createTrainer(reference);
  trainer.setParameters(refTrainer.getParameters());
  trainer.setStates(refTrainer.getStates());
  const { x, labels } = batch(16, 1);
  const yOneHot = tf.oneHot(labels, K);
  for (let step = 0; step < 3; step++) {
    const refLoss = (await reference.trainOnBatch(x, yOneHot)) as number;
    const { loss, grads } = trainer.computeGradients(x, labels);
    assertClose(loss, refLoss, { label: `loss at step ${step}` });
    trainer.setParameters(trainer.getParameters().map((p, i) => p.map((v, j) => v - lr * grads[i]![j]!)));
  }
  const expected = refTrainer.getParameters();
  trainer.getParameters().forEach((p, i) => assertClose(p, expected[i]!, { atol: 1e-6, label: trainer.parameterNames[i] }));
  const expectedStates = refTrainer.getStates();
  assert.equal(expectedStates.length, 2);
  trainer.getStates().forEach((s, i) => assertClose(s, expectedStates[i]!, { label: trainer.stateNames[i] }));
  tf.dispose([x, labels, yOneHot]);
  reference.dispose();
  model.dispose();
});

test('gradients equal tf.grads of the same loss written with plain tf ops', () => {
  const l2 = 0.02;
  const eps = 0.1;
  const model = buildModel(convSpec(false, 0));
  const trainer = createTrainer(model, { labelSmoothing: eps, smoothingFormula: 'seed', regularizer: { l2 } });
  assert.deepEqual(trainer.parameterNames, ['conv2d_0/kernel', 'conv2d_0/bias', 'dense_4/kernel', 'dense_4/bias']);
  const { x, labels } = batch(10, 2);
  const { loss, grads } = trainer.computeGradients(x, labels);

  const params = trainer.getParameters().map((p, i) => tf.tensor(p, trainer.parameterShapes[i]));
  const lossOf = (k: tf.Tensor, b: tf.Tensor, w: tf.Tensor, c: tf.Tensor): tf.Scalar => {
    const h = tf.maxPool(tf.relu(tf.conv2d(x, k as tf.Tensor4D, 1, "same").add(b)) as tf.Tensor4D, 2, 2, "valid");
    const logp = tf.logSoftmax(h.reshape([10, -1]).matMul(w as tf.Tensor2D).add(c));
    const onehot = tf.oneHot(labels, K);
    const target = onehot.mul(1 - eps).add(tf.scalar(1).sub(onehot).mul(eps / (K - 1)));
    const data = target.mul(logp).sum(1).neg().mean();
    return data.add(k.square().sum().mul(l2 / 2)).add(w.square().sum().mul(l2 / 2)) as tf.Scalar;
  };
  const expectedGrads = tf.grads(lossOf as (...args: tf.Tensor[]) => tf.Tensor)(params);
  const expectedLoss = lossOf(params[0]!, params[1]!, params[2]!, params[3]!);
  assertClose(loss, expectedLoss.dataSync()[0]!, { label: 'loss' });
  grads.forEach((g, i) => assertClose(g, expectedGrads[i]!.dataSync(), { atol: 1e-7, label: trainer.parameterNames[i] }));
  tf.dispose([x, labels, expectedLoss, ...params, ...expectedGrads]);
  model.dispose();
});

test('50 training steps and evaluations leave tf.memory().numTensors unchanged', () => {
  const spec = convSpec(true, 0.01);
  spec.layers.splice(4, 0, { type: 'dropout', rate: 0.3 });
  const model = buildModel(spec);
  const trainer = createTrainer(model, { labelSmoothing: 0.1, regularizer: { l1: 1e-4 } });
  const { x, labels } = batch(8, 3);
  trainer.computeGradients(x, labels); // first call may create lasting tensors (e.g. cached constants)
  trainer.evaluate(x, labels);
  const before = tf.memory().numTensors;
  for (let i = 0; i < 50; i++) {
    const { grads } = trainer.computeGradients(x, labels);
    trainer.setParameters(trainer.getParameters().map((p, j) => p.map((v, k) => v - 0.01 * grads[j]![k]!)));
    trainer.setStates(trainer.getStates());
    trainer.evaluate(x, labels);
  }
  assert.equal(tf.memory().numTensors, before);
  tf.dispose([x, labels]);
  model.dispose();
});
