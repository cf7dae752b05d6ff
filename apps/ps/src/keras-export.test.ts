import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { buildModel, createTrainer, type ModelSpec } from '@tensorfleet/core';
import { modelArtifacts } from './checkpoint.js';
import { STOCK_LAYER_CLASSES } from './keras-export.js';

test('every tensorfleet layer exports as a stock tfjs layer that loads and predicts the same', async () => {
  const spec = {
    inputShape: [8, 8, 2], numClasses: 5, seed: 4, regularizer: { l2: 1e-3 },
    layers: [
      { type: 'conv2d', filters: 4, kernelSize: 3, useBias: false }, { type: 'batchNorm', momentum: 0.2 }, { type: 'relu' },
      { type: 'spatialDropout2d', rate: 0.3 }, { type: 'maxPool2d', poolSize: 2 }, { type: 'flatten' },
      { type: 'dropConnectDense', units: 6, dropRate: 0.25, activation: 'relu' }, { type: 'dropout', rate: 0.5 },
      { type: 'dense', units: 5 }, { type: 'softmax' },
    ],
  } as ModelSpec;
  const model = buildModel(spec);
  const trainer = createTrainer(model);
  trainer.setStates(trainer.getStates().map((s) => s.map((_, j) => 0.3 + j / 10))); // non-default moving stats
  const { modelJson, weights } = await modelArtifacts(model, {});
  const parsed = JSON.parse(modelJson);
  const layers = parsed.modelTopology.config.layers as { class_name: string; config: Record<string, unknown> }[];
  for (const l of layers) assert.ok(STOCK_LAYER_CLASSES.has(l.class_name), `${l.class_name} is stock`);
  const bn = layers.find((l) => l.class_name === 'BatchNormalization')!;
  assert.ok(Math.abs((bn.config.momentum as number) - 0.8) < 1e-7, 'torch momentum 0.2 becomes Keras momentum 0.8');
  assert.ok(layers.filter((l) => l.class_name === 'Dense').length === 2, 'DropConnectDense exports as Dense');

  const loaded = await tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: parsed.modelTopology, weightSpecs: parsed.weightsManifest[0].weights,
      weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength) as ArrayBuffer,
    }),
  );
  const x = tf.randomNormal([4, 8, 8, 2], 0, 1, 'float32', 3);
  const expected = (model.predict(x) as tf.Tensor).dataSync();
  const got = (loaded.predict(x) as tf.Tensor).dataSync();
  got.forEach((v, i) => assert.ok(Math.abs(v - expected[i]!) < 1e-5, `prediction ${i}: ${v} vs ${expected[i]}`));
  tf.dispose(x);
  loaded.dispose();
  trainer.dispose();
  model.dispose();
});
