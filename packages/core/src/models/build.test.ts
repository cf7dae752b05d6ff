import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { assertClose } from '../testing/index.js';
import { buildModel, ModelSpecError, presetNames, presetSpec, validateModelSpec } from './index.js';
import type { LayerSpec, ModelSpec } from './index.js';
import { BatchNorm, DropConnectDense, Dropout, SpatialDropout2D } from '../layers/index.js';

await tf.setBackend('cpu');

test('every layer type builds with core layers, agrees with the validator on shapes and round-trips through JSON', async () => {
  const spec: ModelSpec = {
    inputShape: [9, 9, 3], numClasses: 4, seed: 5,
    layers: [
      { type: 'conv2d', filters: 6, kernelSize: 3, padding: 'valid', activation: 'relu' },
      { type: 'batchNorm', rho: 0.9 },
      { type: 'spatialDropout2d', rate: 0.1 },
      { type: 'avgPool2d', poolSize: 2, padding: 'same' },
      { type: 'conv2d', filters: 4, kernelSize: [2, 1], strides: [2, 1], useBias: false, kernelInitializer: 'heUniform', initMode: 'fanOut' },
      { type: 'relu' },
      { type: 'maxPool2d', poolSize: 2, strides: 1 },
      { type: 'flatten' },
      { type: 'dropConnectDense', units: 7, dropRate: 0.2, activation: 'tanh' },
      { type: 'dropout', rate: 0.5 },
      { type: 'dense', units: 4 },
      { type: 'activation', activation: 'softmax' },
    ],
  };
  const shapes = validateModelSpec(spec);
  const model = buildModel(spec);
  // model.layers[0] is the input layer; spec layer i is model.layers[i + 1].
  assert.equal(model.layers.length, spec.layers.length + 1);
  model.layers.slice(1).forEach((layer, i) => {
    assert.equal(layer.name, `${spec.layers[i]!.type}_${i}`);
    assert.deepEqual((layer.outputShape as number[]).slice(1), shapes[i], `layer ${i} output shape`);
  });
  // Core's own layers, not tfjs's look-alikes.
  assert.ok(model.layers[2] instanceof BatchNorm);
  assert.ok(model.layers[3] instanceof SpatialDropout2D);
  assert.ok(model.layers[9] instanceof DropConnectDense);
  assert.ok(model.layers[10] instanceof Dropout);
  const x = tf.randomUniform([2, 9, 9, 3], 0, 1, 'float32', 1);
  const probs = model.predict(x) as tf.Tensor;
  assertClose(probs.sum(1).dataSync(), [1, 1], { label: 'softmax rows' });
  // The topology round-trips through JSON (how a model travels to another process), weights included.
  const copy = await tf.models.modelFromJSON({ modelTopology: model.toJSON(null, false) as tf.io.ModelJSON['modelTopology'] });
  copy.setWeights(model.getWeights());
  assertClose((copy.predict(x) as tf.Tensor).dataSync(), probs.dataSync(), { label: 'restored model output' });
  tf.dispose([x, probs]);
  model.dispose();
  copy.dispose();
});

test('the same seed gives the same initial weights; another seed does not', () => {
  const spec = presetSpec('mnist-small-cnn', { seed: 42 });
  const [a, b, c] = [buildModel(spec), buildModel(spec), buildModel({ ...spec, seed: 43 })];
  const weights = (m: tf.LayersModel) => m.getWeights().map((w) => Array.from(w.dataSync()));
  assert.deepEqual(weights(a), weights(b));
  assert.notDeepEqual(weights(a)[0], weights(c)[0]);
  [a, b, c].forEach((m) => m.dispose());
});

test('the model regularizer lands on every kernel (l2 = λ/2·Σw²) unless a layer overrides it', () => {
  const layers: LayerSpec[] = [
    { type: 'dense', units: 4, activation: 'relu' },
    { type: 'dense', units: 4, regularizer: null },
    { type: 'dense', units: 3, regularizer: { l1: 0.5 } },
    { type: 'softmax' },
  ];
  const model = buildModel({ inputShape: [5], numClasses: 3, layers, regularizer: { l2: 0.1 }, seed: 1 });
  const losses = model.calculateLosses().map((l) => l.dataSync()[0]!);
  const k0 = model.layers[1]!.getWeights()[0]!.dataSync();
  const k2 = model.layers[3]!.getWeights()[0]!.dataSync();
  assert.equal(losses.length, 2, 'layer 1 has no penalty');
  assertClose(losses[0]!, (0.1 / 2) * Array.from(k0).reduce((s, w) => s + w * w, 0), { label: 'l2 on layer 0' });
  assertClose(losses[1]!, 0.5 * Array.from(k2).reduce((s, w) => s + Math.abs(w), 0), { label: 'l1 on layer 2' });
  model.dispose();
});

test('presets build for MNIST and 32×32×3 inputs and end in a softmax over the classes', () => {
  assert.deepEqual(presetNames, ['mlp', 'mnist-small-cnn', 'seed-convnet']);
  for (const name of presetNames) {
    for (const inputShape of [[28, 28, 1], [32, 32, 3]]) {
      const spec = presetSpec(name, { inputShape, numClasses: 7 });
      const model = buildModel(spec);
      assert.deepEqual(model.outputs[0]!.shape, [null, 7], `${name} ${inputShape}`);
      assert.equal(spec.layers.at(-1)!.type, 'softmax');
      model.dispose();
    }
  }
});

test('mnist-small-cnn is conv16-BN-ReLU-pool, conv32-BN-ReLU-pool, FC128-ReLU, dropout 0.5, FC10 softmax', () => {
  const spec = presetSpec('mnist-small-cnn');
  assert.deepEqual(spec.layers.map((l) => l.type), [
    'conv2d', 'batchNorm', 'relu', 'maxPool2d', 'conv2d', 'batchNorm', 'relu', 'maxPool2d',
    'flatten', 'dense', 'relu', 'dropout', 'dense', 'softmax',
  ]);
  assert.deepEqual(spec.layers.filter((l) => l.type === 'conv2d').map((l) => [l.filters, l.kernelSize, l.padding]), [[16, 3, 'same'], [32, 3, 'same']]);
  assert.deepEqual(spec.layers.filter((l) => l.type === 'dense').map((l) => l.units), [128, 10]);
  assert.equal(spec.layers.find((l) => l.type === 'dropout')!.type === 'dropout' && (spec.layers[11] as { rate: number }).rate, 0.5);
});

test('seed-convnet follows the lecture: 2×32, 3×64, 3×128 convs, pool per block, FC512, BN before ReLU, dropout after', () => {
  const spec = presetSpec('seed-convnet', { inputShape: [32, 32, 3], l2: 5e-4 });
  const convs = spec.layers.filter((l) => l.type === 'conv2d').map((l) => l.filters);
  assert.deepEqual(convs, [32, 32, 64, 64, 64, 128, 128, 128]);
  const types = spec.layers.map((l) => l.type);
  assert.equal(types.filter((t) => t === 'maxPool2d').length, 3);
  types.forEach((t, i) => {
    if (t === 'conv2d' || (t === 'dense' && i < types.length - 2)) assert.deepEqual(types.slice(i + 1, i + 3), ['batchNorm', 'relu'], `after layer ${i}`);
    if (t === 'maxPool2d') assert.equal(types[i + 1], 'spatialDropout2d');
  });
  assert.deepEqual(spec.layers.filter((l) => l.type === 'spatialDropout2d').map((l) => l.rate), [0.05, 0.05, 0.05]);
  assert.deepEqual(spec.layers.filter((l) => l.type === 'dense').map((l) => l.units), [512, 10]);
  assert.deepEqual(types.slice(-5), ['batchNorm', 'relu', 'dropout', 'dense', 'softmax'], 'dropout after the FC activation, never on the output');
  assert.deepEqual(spec.regularizer, { l2: 5e-4 });
  assert.equal(spec.kernelInitializer, 'heNormal');
  const noBn = presetSpec('seed-convnet', { bn: false, dropoutConv: 0, dropoutFc: 0.3, init: 'xavierNormal' });
  assert.ok(!noBn.layers.some((l) => l.type === 'batchNorm' || l.type === 'spatialDropout2d'));
  assert.ok(noBn.layers.every((l) => l.type !== 'conv2d' || l.useBias === true), 'without BN the convs keep their bias');
  assert.equal(noBn.layers.filter((l) => l.type === 'dropout').map((l) => l.rate)[0], 0.3);
  assert.equal(noBn.kernelInitializer, 'xavierNormal');
});

test('presetSpec rejects unknown names and options', () => {
  assert.throws(() => presetSpec('resnet'), (e: Error) => e instanceof ModelSpecError && /unknown preset "resnet" \(available: mlp, mnist-small-cnn, seed-convnet\)/.test(e.message));
  assert.throws(() => presetSpec('mlp', { dropout: 0.5 } as object), /presetSpec\('mlp'\): unknown option 'dropout'/);
  assert.throws(() => presetSpec('mlp', { dropoutFc: 1.5 }), /presetSpec\('mlp'\)\.dropoutFc: expected a rate in \[0, 1\), got 1.5/);
  assert.throws(() => presetSpec('mlp', { init: 'glorot' }), /presetSpec\('mlp'\)\.init: expected one of xavierUniform/);
  assert.throws(() => buildModel(presetSpec('mlp', { inputShape: [0] })), /model spec\.inputShape/);
});
