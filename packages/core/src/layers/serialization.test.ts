import assert from 'node:assert/strict';
import { test } from 'node:test';

import * as tf from '@tensorflow/tfjs';

import { assertClose } from '../testing/assert.js';
import { BatchNorm, batchNorm, DropConnectDense, dropConnectDense, Dropout, dropout, SpatialDropout2D, spatialDropout2d, SyncBatchNorm, syncBatchNorm } from './index.js';

async function roundTrip(model: tf.LayersModel): Promise<{ loaded: tf.LayersModel; topology: string }> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (a) => {
    artifacts = a;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  return { loaded: await tf.loadLayersModel(tf.io.fromMemory(artifacts!)), topology: JSON.stringify(artifacts!.modelTopology) };
}

test('a model using every core layer saves and loads with its configs and weights', async () => {
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [6, 6, 2], filters: 3, kernelSize: 3 }),
      batchNorm({ rho: 0.95, epsilon: 1e-4 }),
      spatialDropout2d({ rate: 0.05, seed: 2 }),
      tf.layers.flatten(),
      dropConnectDense({ units: 8, dropRate: 0.5, activation: 'relu', kernelInitializer: 'heNormal', kernelRegularizer: tf.regularizers.l2({ l2: 1e-3 }), seed: 3 }),
      syncBatchNorm({ momentum: 0.2 }),
      dropout({ rate: 0.5, seed: 4 }),
      tf.layers.dense({ units: 3, activation: 'softmax' }),
    ],
  });
  // Train a little so BN running stats and weights are not at their initial values.
  model.compile({ optimizer: tf.train.sgd(0.05), loss: 'categoricalCrossentropy' });
  const xs = tf.randomNormal([12, 6, 6, 2], 0, 1, 'float32', 71);
  const ys = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2], 'int32'), 3);
  await model.fit(xs, ys, { epochs: 1, batchSize: 6, verbose: 0 });

  const { loaded, topology } = await roundTrip(model);
  for (const name of ['TensorfleetBatchNorm', 'TensorfleetSpatialDropout2D', 'TensorfleetDropConnectDense', 'TensorfleetSyncBatchNorm', 'TensorfleetDropout']) {
    assert.ok(topology.includes(`"${name}"`), `${name} in the saved topology`);
  }
  const [, bn, sdrop, , dc, sbn, drop] = loaded.layers;
  assert.ok(bn instanceof BatchNorm && Math.abs(bn.rho - 0.95) < 1e-12 && bn.epsilon === 1e-4);
  assert.ok(sdrop instanceof SpatialDropout2D && sdrop.rate === 0.05 && sdrop.seed === 2);
  assert.ok(dc instanceof DropConnectDense && dc.units === 8 && dc.dropRate === 0.5 && dc.activation === 'relu' && dc.seed === 3);
  assert.equal(dc.losses.length, 1, 'kernel regularizer restored');
  assert.deepEqual(dc.getConfig()['kernelRegularizer'], model.layers[4]!.getConfig()['kernelRegularizer']);
  assert.ok(sbn instanceof SyncBatchNorm && Math.abs(sbn.momentum - 0.2) < 1e-12);
  assert.ok(drop instanceof Dropout && drop.rate === 0.5);
  assertClose((loaded.predict(xs) as tf.Tensor).dataSync(), (model.predict(xs) as tf.Tensor).dataSync(), { label: 'predictions' });
});

test("registering ours leaves tfjs's own Dropout and BatchNormalization in place", async () => {
  const stock = tf.sequential({ layers: [tf.layers.dense({ inputShape: [2], units: 2 }), tf.layers.dropout({ rate: 0.5 }), tf.layers.batchNormalization()] });
  const { loaded } = await roundTrip(stock);
  assert.equal(loaded.layers[1]!.getClassName(), 'Dropout');
  assert.ok(!(loaded.layers[1] instanceof Dropout));
  assert.equal(loaded.layers[2]!.getClassName(), 'BatchNormalization');
  assert.ok(!(loaded.layers[2] instanceof BatchNorm));
});
