// A whole training step on wasm (with our kernels) against the cpu backend, and memory over many steps.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { assertRelClose, prepareBackends, randomValues, rng } from './test-support.js';

/** conv(s1, same, no bias: BN cancels it, leaving a gradient of pure rounding noise)+BN+relu+maxpool(2) → conv(s2, valid)+relu → depthwise(s1, same)+relu → maxpool(3, s2, same) → dense → softmax. */
function smallConvnet(dropout: number): tf.LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [14, 14, 2], filters: 6, kernelSize: 3, padding: 'same', useBias: false }),
      tf.layers.batchNormalization(),
      tf.layers.activation({ activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'valid', activation: 'relu' }),
      tf.layers.depthwiseConv2d({ kernelSize: 2, depthMultiplier: 2, padding: 'same', activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 12, activation: 'relu' }),
      tf.layers.dropout({ rate: dropout }),
      tf.layers.dense({ units: 5, activation: 'softmax' }),
    ],
  });
}

function step(model: tf.LayersModel, x: tf.Tensor, y: tf.Tensor): { loss: number; grads: Map<string, Float32Array> } {
  const { value, grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar);
  const out = new Map<string, Float32Array>();
  for (const [name, g] of Object.entries(grads)) out.set(name, g.dataSync() as Float32Array);
  const loss = value.dataSync()[0]!;
  tf.dispose([value, ...Object.values(grads)]);
  return { loss, grads: out };
}

before(prepareBackends);

describe('training step on wasm', () => {
  it('gives the cpu backend gradients (conv, strided conv, depthwise, BN, pools, dense)', async () => {
    await tf.setBackend('wasm');
    const model = smallConvnet(0);
    const r = rng(5);
    const xValues = randomValues(r, [4, 14, 14, 2]);
    const labels = [0, 3, 1, 4];
    const run = () => {
      const x = tf.tensor4d(xValues, [4, 14, 14, 2]);
      const y = tf.oneHot(tf.tensor1d(labels, 'int32'), 5);
      const result = step(model, x, y);
      tf.dispose([x, y]);
      return result;
    };
    const onWasm = run();
    await tf.setBackend('cpu'); // variables move with the backend switch
    const onCpu = run();
    assert.ok(Math.abs(onWasm.loss - onCpu.loss) <= 1e-5 * Math.abs(onCpu.loss), `loss ${onWasm.loss} vs ${onCpu.loss}`);
    assert.equal(onWasm.grads.size, model.trainableWeights.length);
    for (const [name, g] of onCpu.grads) assertRelClose(onWasm.grads.get(name)!, g, `grad ${name}`);
    model.layers.forEach((l) => l.dispose());
  });

  it('keeps tf.memory() flat over 100 steps with dropout and an optimizer', async () => {
    await tf.setBackend('wasm');
    const model = smallConvnet(0.3);
    const optimizer = tf.train.sgd(0.01);
    const x = tf.randomNormal([8, 14, 14, 2]);
    const y = tf.oneHot(tf.randomUniform([8], 0, 5, 'int32'), 5);
    const doStep = () =>
      optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar, false);
    for (let i = 0; i < 5; i++) doStep();
    const backend = tf.backend() as tf.KernelBackend & { numDataIds(): number };
    const warm = { ...tf.memory(), dataIds: backend.numDataIds() };
    for (let i = 0; i < 100; i++) doStep();
    const after = { ...tf.memory(), dataIds: backend.numDataIds() };
    assert.equal(after.numTensors, warm.numTensors, 'tensor count grew');
    assert.equal(after.numBytes, warm.numBytes, 'bytes grew');
    assert.equal(after.dataIds, warm.dataIds, 'wasm heap buffers grew');
    tf.dispose([x, y]);
    optimizer.dispose();
    model.layers.forEach((l) => l.dispose());
  });
});
