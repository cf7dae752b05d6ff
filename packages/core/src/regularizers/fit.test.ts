import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { assertClose } from '../testing/index.js';
import { l1l2, L1L2Penalty } from './index.js';

function tinyModel(kernelRegularizer?: L1L2Penalty): tf.Sequential {
  const model = tf.sequential();
  model.add(tf.layers.dense({
    units: 3, inputShape: [4], kernelRegularizer,
    kernelInitializer: tf.initializers.randomNormal({ mean: 0, stddev: 1, seed: 3 }),
  }));
  // lr 0: the weights the loss was computed on are still there afterwards to recompute it.
  model.compile({ optimizer: tf.train.sgd(0), loss: 'meanSquaredError' });
  return model;
}

test('model.fit reports data loss + our kernel penalty (l1*sum|W| + l2/2*sum W^2)', async () => {
  const rates = { l1: 0.01, l2: 0.3 };
  const model = tinyModel(l1l2(rates));
  const x = tf.randomNormal([8, 4], 0, 1, 'float32', 1);
  const y = tf.randomNormal([8, 3], 0, 1, 'float32', 2);
  const history = await model.fit(x, y, { batchSize: 8, epochs: 1, verbose: 0 });
  const reported = history.history['loss']![0] as number;

  const kernel = Array.from(model.layers[0]!.getWeights()[0]!.dataSync());
  const penalty = rates.l1 * kernel.reduce((s, w) => s + Math.abs(w), 0) + (rates.l2 / 2) * kernel.reduce((s, w) => s + w * w, 0);
  const dataLoss = tf.losses.meanSquaredError(y, model.predict(x) as tf.Tensor).dataSync()[0]!;
  assert.ok(penalty > 0.1 * dataLoss, `penalty ${penalty} should be large enough to matter (data loss ${dataLoss})`);
  assertClose([reported], [dataLoss + penalty], { rtol: 1e-5, label: 'fit loss' });
});

test('a model with the regularizer survives toJSON/modelFromJSON with its rates', async () => {
  const model = tinyModel(l1l2({ l1: 0.125, l2: 0.75 }));
  const json = model.toJSON(null, false) as tf.io.ModelJSON['modelTopology'];
  const restored = await tf.models.modelFromJSON({ modelTopology: json } as tf.io.ModelJSON);
  const config = restored.layers[0]!.getConfig()['kernelRegularizer'] as { className: string; config: object };
  assert.equal(config.className, 'L1L2Penalty');
  assert.deepEqual(config.config, { l1: 0.125, l2: 0.75 });
});
