// Every model preset trains on wasm with the cpu backend's gradients (dropout off so both runs draw nothing random).
// seed-convnet is compared at 8×8 inputs (same layers and kernels, smaller maps): on the cpu backend one step at
// 32×32×3 takes ~30 s. At full size it is run on wasm alone and checked for complete, finite gradients.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { buildModel, presetSpec } from '../models/index.js';
import { assertRelClose, prepareBackends, randomValues, rng } from './test-support.js';

function gradients(model: tf.LayersModel, xValues: Float32Array, shape: number[], labels: number[]): Map<string, Float32Array> {
  const x = tf.tensor(xValues, shape);
  const y = tf.oneHot(tf.tensor1d(labels, 'int32'), 10);
  const { value, grads } = tf.variableGrads(() =>
    tf.tidy(() => tf.neg(tf.mean(tf.sum(tf.mul(y, tf.log(tf.add(model.apply(x, { training: true }) as tf.Tensor, 1e-7))), -1)))) as tf.Scalar,
  );
  const out = new Map(Object.entries(grads).map(([name, g]) => [name, g.dataSync() as Float32Array]));
  tf.dispose([x, y, value, ...Object.values(grads)]);
  return out;
}

before(prepareBackends);

describe('presets: one training step on wasm equals cpu', () => {
  const cases: Array<[string, number[], number]> = [
    ['mlp', [28, 28, 1], 4],
    ['mnist-small-cnn', [28, 28, 1], 4],
    ['seed-convnet', [8, 8, 1], 4],
    ['seed-convnet', [8, 8, 3], 4],
  ];
  for (const [name, inputShape, batch] of cases) {
    it(`${name} ${inputShape.join('x')} batch ${batch}`, async () => {
      await tf.setBackend('wasm');
      const model = buildModel(presetSpec(name, { inputShape, dropoutFc: 0, dropoutConv: 0, seed: 3 }));
      const shape = [batch, ...inputShape];
      const xValues = randomValues(rng(42), shape);
      const labels = Array.from({ length: batch }, (_, i) => (i * 3) % 10);
      const onWasm = gradients(model, xValues, shape, labels);
      await tf.setBackend('cpu');
      const onCpu = gradients(model, xValues, shape, labels);
      assert.equal(onWasm.size, model.trainableWeights.length);
      for (const [weight, g] of onCpu) assertRelClose(onWasm.get(weight)!, g, `${name} grad ${weight}`);
      model.layers.forEach((l) => l.dispose());
    });
  }
});

describe('seed-convnet trains on wasm at its real input sizes', () => {
  for (const inputShape of [[28, 28, 1], [32, 32, 3]]) {
    it(`${inputShape.join('x')}: every weight gets a finite, non-zero gradient`, async () => {
      await tf.setBackend('wasm');
      const model = buildModel(presetSpec('seed-convnet', { inputShape, seed: 4 }));
      const shape = [8, ...inputShape];
      const grads = gradients(model, randomValues(rng(9), shape), shape, [0, 1, 2, 3, 4, 5, 6, 7]);
      assert.equal(grads.size, model.trainableWeights.length);
      for (const [weight, g] of grads) {
        assert.ok(g.every(Number.isFinite), `${weight}: non-finite gradient`);
        assert.ok(g.some((v) => v !== 0), `${weight}: all-zero gradient`);
      }
      model.layers.forEach((l) => l.dispose());
    });
  }
});
