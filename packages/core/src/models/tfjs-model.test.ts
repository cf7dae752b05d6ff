import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { assertClose, registerFileSaveRouter } from '../testing/index.js';
import { BatchNorm } from '../layers/index.js';
import { assignNamedWeights, buildModel, modelSpecFromKeras, readTfjsModel } from './index.js';

await tf.setBackend('cpu');
registerFileSaveRouter();

const tmp = () => mkdtempSync(join(tmpdir(), 'tf-model-'));

function stockConvnet(): tf.Sequential {
  return tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [8, 8, 2], filters: 4, kernelSize: 3, activation: 'relu', kernelRegularizer: tf.regularizers.l2({ l2: 0.01 }), name: 'conv_a' }),
      tf.layers.batchNormalization({ name: 'bn_a' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 3, kernelSize: [2, 1], strides: [1, 1], padding: 'same', useBias: false, kernelInitializer: 'heNormal' }),
      tf.layers.reLU(),
      tf.layers.averagePooling2d({ poolSize: 2, strides: 1 }),
      tf.layers.flatten(),
      tf.layers.dropout({ rate: 0.3 }),
      tf.layers.dense({ units: 5, activation: 'tanh', kernelInitializer: 'glorotUniform' }),
      tf.layers.dense({ units: 3, activation: 'softmax', name: 'head' }),
    ],
  });
}

test('a model saved by stock tfjs (model.save file://) reads back as a ModelSpec with its names and weights, and predicts the same', async () => {
  const dir = tmp();
  const stock = stockConvnet();
  // Non-default BN statistics and weights, so a wrong mapping shows.
  const bn = stock.getLayer('bn_a');
  bn.setWeights(bn.getWeights().map((w, i) => tf.add(w, tf.scalar(0.1 * (i + 1)))));
  await stock.save(`file://${dir}`);

  const { spec, weights } = readTfjsModel(join(dir, 'model.json'));
  assert.deepEqual(spec.inputShape, [8, 8, 2]);
  assert.equal(spec.numClasses, 3);
  assert.deepEqual(spec.layers.map((l) => l.type), ['conv2d', 'batchNorm', 'maxPool2d', 'conv2d', 'relu', 'avgPool2d', 'flatten', 'dropout', 'dense', 'dense']);
  assert.equal(spec.layers[0]!.name, 'conv_a');
  assert.deepEqual((spec.layers[0] as { regularizer: unknown }).regularizer, { l2: 0.02 }, "Keras l2·Σw² is core's (λ/2)·Σw² with λ = 2·l2");
  assert.equal((spec.layers[1] as { rho: number }).rho, 0.99, "Keras BN momentum is core's rho");
  assert.equal((spec.layers[1] as { epsilon: number }).epsilon, 1e-3);
  assert.equal((spec.layers[3] as { kernelInitializer: string }).kernelInitializer, 'heNormal');
  assert.ok(weights && weights.size === stock.weights.length);

  const model = buildModel(spec);
  assert.ok(model.getLayer('bn_a') instanceof BatchNorm, "core's BatchNorm, not tfjs-layers'");
  assignNamedWeights(model, weights!);
  const x = tf.randomNormal([4, 8, 8, 2], 0, 1, 'float32', 7);
  assertClose((model.predict(x) as tf.Tensor).dataSync(), (stock.predict(x) as tf.Tensor).dataSync(), { label: 'inference output', rtol: 1e-4, atol: 1e-5 });
  tf.dispose(x);
  model.dispose();
  stock.dispose();
  rmSync(dir, { recursive: true });
});

test('a functional chain translates; without a weights manifest there are no weights', async () => {
  const input = tf.input({ shape: [6] });
  const hidden = tf.layers.dense({ units: 4, activation: 'relu', name: 'hidden' }).apply(input);
  const out = tf.layers.softmax().apply(tf.layers.dense({ units: 2, name: 'logits' }).apply(hidden) as tf.SymbolicTensor);
  const functional = tf.model({ inputs: input, outputs: out as tf.SymbolicTensor });
  const dir = tmp();
  await functional.save(`file://${dir}`);
  const path = join(dir, 'model.json');
  const json = JSON.parse(readFileSync(path, 'utf8'));
  delete json.weightsManifest;
  writeFileSync(path, JSON.stringify(json));
  const { spec, weights } = readTfjsModel(path);
  assert.equal(weights, null);
  assert.deepEqual(spec.layers.map((l) => `${l.type}:${l.name}`), ['dense:hidden', 'dense:logits', `softmax:${spec.layers[2]!.name}`]);
  assert.equal(spec.numClasses, 2);
  functional.dispose();
  rmSync(dir, { recursive: true });
});

test('layers core cannot train are refused by name, listing what is supported', async () => {
  const lstm = tf.sequential({ layers: [tf.layers.lstm({ inputShape: [5, 3], units: 4, name: 'lstm_1' }), tf.layers.dense({ units: 2, activation: 'softmax' })] });
  assert.throws(() => modelSpecFromKeras(lstm.toJSON(null, false)), /^ModelSpecError: LSTM layer "lstm_1" is not supported \(supported: Dense, Conv2D, BatchNormalization, .*\)$/);
  const dilated = tf.sequential({ layers: [tf.layers.conv2d({ inputShape: [8, 8, 1], filters: 2, kernelSize: 3, dilationRate: 2, name: 'dil' }), tf.layers.flatten(), tf.layers.dense({ units: 2, activation: 'softmax' })] });
  assert.throws(() => modelSpecFromKeras(dilated.toJSON(null, false)), /Conv2D layer "dil": dilation_rate \[2,2\] is not supported/);
  // Keras 2 writes BatchNormalization's axis as [3] for NHWC: the channel axis is fine, another one is not.
  const bn = tf.sequential({ layers: [tf.layers.conv2d({ inputShape: [4, 4, 1], filters: 2, kernelSize: 1 }), tf.layers.batchNormalization({ name: 'bn' }), tf.layers.flatten(), tf.layers.dense({ units: 2, activation: 'softmax' })] });
  const bnJson = bn.toJSON(null, false) as { config: { layers: { config: Record<string, unknown> }[] } };
  bnJson.config.layers[1]!.config.axis = [3];
  assert.equal(modelSpecFromKeras(bnJson).layers[1]!.type, 'batchNorm');
  bnJson.config.layers[1]!.config.axis = [1];
  assert.throws(() => modelSpecFromKeras(bnJson), /^ModelSpecError: BatchNormalization layer "bn": axis \[1\] is not supported \(the last, channel axis only\)$/);
  bn.dispose();
  const logits = tf.sequential({ layers: [tf.layers.dense({ inputShape: [3], units: 2, name: 'out' })] });
  assert.throws(() => modelSpecFromKeras(logits.toJSON(null, false)), /layer "out": the last layer must output probabilities/);
  // A branch (two inputs to one layer) is not a chain.
  const a = tf.input({ shape: [4] });
  const b1 = tf.layers.dense({ units: 2, name: 'b1' }).apply(a) as tf.SymbolicTensor;
  const b2 = tf.layers.dense({ units: 2, name: 'b2' }).apply(a) as tf.SymbolicTensor;
  const sum = tf.layers.add({ name: 'sum' }).apply([b1, b2]) as tf.SymbolicTensor;
  const branched = tf.model({ inputs: a, outputs: tf.layers.softmax().apply(sum) as tf.SymbolicTensor });
  assert.throws(() => modelSpecFromKeras(branched.toJSON(null, false)), /layer "b2": only a chain of layers is supported/);
  const dir = tmp();
  await lstm.save(`file://${dir}`);
  assert.throws(() => readTfjsModel(join(dir, 'model.json')), new RegExp(`^Error: ${dir}/model.json: LSTM layer "lstm_1" is not supported`));
  rmSync(join(dir, 'weights.bin'));
  [lstm, dilated, logits, branched].forEach((m) => m.dispose());
  rmSync(dir, { recursive: true });
});

test('a missing weights file is an error naming it', async () => {
  const dir = tmp();
  const m = tf.sequential({ layers: [tf.layers.dense({ inputShape: [3], units: 2, activation: 'softmax' })] });
  await m.save(`file://${dir}`);
  rmSync(join(dir, 'weights.bin'));
  assert.throws(() => readTfjsModel(join(dir, 'model.json')), /weights file \.\/weights\.bin is missing/);
  writeFileSync(join(dir, 'weights.bin'), Buffer.alloc(4));
  assert.throws(() => readTfjsModel(join(dir, 'model.json')), /its weights files do not hold the weights the manifest lists/);
  m.dispose();
  rmSync(dir, { recursive: true });
});
