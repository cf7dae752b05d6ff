import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { registerFileSaveRouter } from '../testing/index.js';
import { createTrainer } from '../train/index.js';
import {
  assignNamedWeights, buildModel, frozenLayerNames, headLayerName, pretrainedInit, presetSpec, readPretrainedWeights, withClassCount,
  type ModelSpec,
} from './index.js';

await tf.setBackend('cpu');
registerFileSaveRouter();

const base = presetSpec('mnist-small-cnn', { inputShape: [8, 8, 1], numClasses: 10, seed: 3 });

/** Saves a model of `spec` as a tensorfleet checkpoint folder (latest.json → ckpt-…/model.json) and returns the run's folder. */
async function savedRun(spec: ModelSpec): Promise<{ dir: string; model: tf.LayersModel }> {
  const dir = mkdtempSync(join(tmpdir(), 'pretrained-'));
  const model = buildModel(spec);
  // Distinct BN statistics so a mix-up between weights shows.
  const trainer = createTrainer(model);
  trainer.setStates(trainer.getStates().map((s, i) => s.map((_, j) => 0.5 + i + j / 100)));
  mkdirSync(join(dir, 'checkpoints'));
  await model.save(`file://${join(dir, 'checkpoints', 'ckpt-000000012')}`);
  writeFileSync(join(dir, 'checkpoints', 'latest.json'), JSON.stringify({ checkpoint: 'ckpt-000000012', step: 12, epoch: 1 }));
  return { dir, model };
}

test('pretrained weights load by name from a run folder, its checkpoints folder or a model.json, into the same architecture', async () => {
  const { dir, model: source } = await savedRun(base);
  for (const from of [dir, join(dir, 'checkpoints'), join(dir, 'checkpoints', 'ckpt-000000012'), join(dir, 'checkpoints', 'ckpt-000000012', 'model.json')]) {
    const weights = readPretrainedWeights(from);
    const init = pretrainedInit(base, weights);
    assert.equal(init.size, source.weights.length, from);
    const target = buildModel({ ...base, seed: 99 });
    assignNamedWeights(target, init);
    target.weights.forEach((w, i) => assert.deepEqual(w.read().dataSync(), source.weights[i]!.read().dataSync(), `${from}: ${w.originalName}`));
    target.dispose();
  }
  source.dispose();
  rmSync(dir, { recursive: true });
});

test('another class count: an error naming both counts, or with newHead a fresh head and every other weight pretrained', async () => {
  const { dir, model: source } = await savedRun(base);
  const weights = readPretrainedWeights(dir);
  const three = withClassCount(base, 3);
  const head = headLayerName(three);
  assert.equal(head, headLayerName(base), 'the head keeps its name');
  assert.throws(() => pretrainedInit(three, weights), new RegExp(`the pretrained head "${head}" has 10 classes, the model 3; set newHead: true`));
  const init = pretrainedInit(three, weights, { newHead: true });
  assert.deepEqual([...init.keys()].filter((n) => n.startsWith(`${head}/`)), []);
  assert.equal(init.size, source.weights.length - 2, 'all but the head kernel and bias');
  // Same class count: newHead changes nothing (the head is kept).
  assert.equal(pretrainedInit(base, weights, { newHead: true }).size, source.weights.length);
  source.dispose();
  rmSync(dir, { recursive: true });
});

test('an architecture mismatch names the first weight that does not fit', async () => {
  const { dir, model } = await savedRun(base);
  const weights = readPretrainedWeights(dir);
  const wider = presetSpec('mnist-small-cnn', { inputShape: [8, 8, 1], numClasses: 10, seed: 3, bn: false });
  assert.throws(() => pretrainedInit(wider, weights), /^Error: no weight "conv2d_0\/bias" of shape \[16\] in the pretrained model \(it has conv2d_0\/kernel, batchNorm_1\/gamma, /);
  const otherInput = presetSpec('mnist-small-cnn', { inputShape: [12, 12, 1], numClasses: 10 });
  assert.throws(() => pretrainedInit(otherInput, weights), /^Error: weight "dense_9\/kernel" has shape \[128,128\] in the pretrained model, \[288,128\] in this one$/);
  assert.throws(() => readPretrainedWeights(join(dir, 'nope')), /nope: no such file or folder/);
  assert.throws(() => readPretrainedWeights(tmpdir()), /holds no checkpoint \(latest\.json, checkpoints\/latest\.json\) and no model\.json/);
  model.dispose();
  rmSync(dir, { recursive: true });
});

test('freeze: all-but-head is every weighted layer but the last dense one; unknown names are refused with the list', () => {
  const names = frozenLayerNames(base, 'all-but-head');
  assert.deepEqual(names, ['conv2d_0', 'batchNorm_1', 'conv2d_4', 'batchNorm_5', 'dense_9']);
  assert.equal(headLayerName(base), 'dense_12');
  assert.deepEqual(frozenLayerNames(base, ['conv2d_0', 'conv2d_0']), ['conv2d_0']);
  assert.throws(() => frozenLayerNames(base, ['conv9']), /no layer "conv9" in the model \(layers: conv2d_0, batchNorm_1, relu_2/);
});

test('a frozen layer gets zero gradients (not computed) and its BatchNorm normalizes with, and keeps, its running statistics', () => {
  const spec: ModelSpec = {
    inputShape: [6], numClasses: 3, seed: 1,
    layers: [
      { type: 'dense', units: 5, name: 'body' }, { type: 'batchNorm', name: 'body_bn' }, { type: 'relu' },
      { type: 'dense', units: 4 }, { type: 'batchNorm', name: 'top_bn' }, { type: 'relu' },
      { type: 'dense', units: 3 }, { type: 'softmax' },
    ],
  };
  const model = buildModel(spec);
  const trainer = createTrainer(model, { frozen: ['body', 'body_bn'] });
  const frozen = trainer.parameterNames.filter((_, i) => trainer.frozenParameters[i]);
  assert.deepEqual(frozen, ['body/kernel', 'body/bias', 'body_bn/gamma', 'body_bn/beta']);
  assert.deepEqual(trainer.stateNames.filter((_, i) => trainer.frozenStates[i]), ['body_bn/moving_mean', 'body_bn/moving_variance']);
  trainer.setStates(trainer.getStates().map((s, i) => s.map((_, j) => 0.2 + 0.3 * i + j / 10)));
  const before = trainer.getStates();
  const x = tf.randomNormal([8, 6], 0, 1, 'float32', 4);
  const labels = tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1], 'int32');
  const { grads } = trainer.computeGradients(x, labels);
  grads.forEach((g, i) => {
    const allZero = g.every((v) => v === 0);
    assert.equal(allZero, trainer.frozenParameters[i], `${trainer.parameterNames[i]} gradient ${allZero ? 'zero' : 'non-zero'}`);
  });
  const after = trainer.getStates();
  trainer.stateNames.forEach((name, i) => {
    if (name.startsWith('body_bn/')) assert.deepEqual(after[i], before[i], `${name} unchanged`);
    else assert.notDeepEqual(after[i], before[i], `${name} updated by the training forward`);
  });
  // The frozen BN's training-mode output is its inference output: running statistics, not the batch's.
  const bnInput = tf.randomNormal([8, 5], 0, 1, 'float32', 5);
  const bn = model.getLayer('body_bn');
  assert.deepEqual((bn.apply(bnInput, { training: true }) as tf.Tensor).dataSync(), (bn.apply(bnInput, { training: false }) as tf.Tensor).dataSync());
  assert.throws(() => createTrainer(buildModel(spec), { frozen: ['nope'] }), /frozen layer "nope" is not in the model \(layers: input, body, body_bn/);
  tf.dispose([x, labels, bnInput]);
  trainer.dispose();
  model.dispose();
});
