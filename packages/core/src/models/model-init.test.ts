import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { registerFileSaveRouter } from '../testing/index.js';
import { headLayerName, presetSpec, readTfjsModel, resolveModelInit } from './index.js';

await tf.setBackend('cpu');
registerFileSaveRouter();

test('resolveModelInit: a tfjs model with its weights, a new head for other data, freeze, and errors naming the field', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'model-init-'));
  const stock = tf.sequential({ layers: [
    tf.layers.flatten({ inputShape: [4, 4, 1] }), tf.layers.dense({ units: 6, activation: 'relu', name: 'body' }),
    tf.layers.dense({ units: 5, activation: 'softmax', name: 'head' }),
  ] });
  await stock.save(`file://${dir}`);
  const path = join(dir, 'model.json');
  const { spec, weights } = readTfjsModel(path);
  const same = resolveModelInit({ spec, modelField: 'model.tfjs', ownWeights: weights, data: { numClasses: 5 } });
  assert.equal(same.initialWeights!.size, 4);
  assert.deepEqual(same.frozen, []);

  assert.throws(() => resolveModelInit({ spec, modelField: 'model.tfjs', ownWeights: weights, data: { numClasses: 3 } }),
    /^ModelInitError: model\.tfjs: the model outputs 5 classes, the data has 3; set init\.newHead: true to replace its head$/);

  const tuned = resolveModelInit({
    spec, modelField: 'model.tfjs', ownWeights: weights, init: { newHead: true, freeze: 'all-but-head' }, data: { numClasses: 3 },
  });
  assert.equal(tuned.spec.numClasses, 3);
  assert.equal(headLayerName(tuned.spec), 'head');
  assert.deepEqual([...tuned.initialWeights!.keys()], ['body/kernel', 'body/bias']);
  assert.deepEqual(tuned.frozen, ['body']);

  // init.from relative to the config's folder, into a preset of another class count.
  const preset = presetSpec('mlp', { inputShape: [4, 4, 1], numClasses: 5 });
  assert.throws(() => resolveModelInit({ spec: preset, modelField: 'model.preset', init: { from: basename(dir) }, baseDir: dirname(dir), data: { numClasses: 5 } }),
    /^ModelInitError: init\.from: no weight "dense_1\/kernel" of shape \[16,256\] in the pretrained model \(it has body\/kernel/);
  assert.throws(() => resolveModelInit({ spec: preset, modelField: 'model.preset', init: { from: 'nowhere' }, baseDir: dir, data: { numClasses: 5 } }),
    new RegExp(`^ModelInitError: init\\.from: ${dir}/nowhere: no such file or folder$`));
  assert.throws(() => resolveModelInit({ spec, modelField: 'model.tfjs', ownWeights: weights, init: { freeze: ['torso'] }, data: { numClasses: 5 } }),
    /^ModelInitError: init\.freeze: no layer "torso" in the model \(layers: flatten_Flatten\d+, body, head\)$/);
  assert.throws(() => resolveModelInit({ spec: preset, modelField: 'model.preset', init: { freeze: 'all-but-head' }, data: { numClasses: 5 } }),
    /^ModelInitError: init\.freeze: needs pretrained weights: set init\.from/);
  stock.dispose();
  rmSync(dir, { recursive: true });
});
