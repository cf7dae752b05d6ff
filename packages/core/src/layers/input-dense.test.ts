import assert from 'node:assert/strict';
import { test } from 'node:test';

import * as tf from '@tensorflow/tfjs';

import { inputDense } from './input-dense.js';

const x = tf.randomNormal([8, 20], 0, 1, 'float32', 4);
type Values = Float32Array | Int32Array | Uint8Array;

/** A layer's output and its weights' gradients of a fixed loss, under a gradient tape as in training. */
function outputAndGrads(layer: tf.layers.Layer): { output: Values; grads: Values[] } {
  let output: Values = new Float32Array();
  const { grads } = tf.variableGrads(() => {
    const y = layer.apply(x) as tf.Tensor;
    output = y.dataSync();
    return tf.sum(tf.square(y)) as tf.Scalar;
  });
  return { output, grads: layer.trainableWeights.map((w) => grads[w.originalName]!.dataSync()) };
}

function assertClose(got: Values, want: Values, what: string): void {
  assert.equal(got.length, want.length, what);
  got.forEach((v, i) => assert.ok(Math.abs(v - want[i]!) <= 1e-5 * (1 + Math.abs(want[i]!)), `${what}[${i}]: ${v} vs ${want[i]}`));
}

test('inputDense computes what Dense computes, with the same weight gradients, and serializes as a Dense', () => {
  for (const activation of ['linear', 'relu', 'softmax'] as const) {
    for (const useBias of [true, false]) {
      const args = { units: 6, activation, useBias, inputShape: [20], biasInitializer: 'randomNormal' as const };
      const dense = tf.layers.dense(args);
      const ours = inputDense(args);
      tf.sequential({ layers: [dense] });
      tf.sequential({ layers: [ours] });
      ours.setWeights(dense.getWeights());
      const what = `${activation}, bias ${useBias}`;
      const want = outputAndGrads(dense);
      const got = outputAndGrads(ours);
      assertClose(got.output, want.output, `${what}: output`);
      assert.equal(got.grads.length, useBias ? 2 : 1);
      got.grads.forEach((g, i) => assertClose(g, want.grads[i]!, `${what}: gradient of weight ${i}`));
      assert.equal(ours.getClassName(), 'Dense');
      const { name: _a, ...oursConfig } = ours.getConfig();
      const { name: _b, ...denseConfig } = dense.getConfig();
      assert.deepEqual(oursConfig, denseConfig, what);
    }
  }
});

test("inputDense's backward pass skips the input gradient Dense's fused matMul computes; asked for, it is right", async () => {
  const args = { units: 6, inputShape: [20] }; // linear, as the presets' Dense layers (an Activation or BN follows)
  const dense = tf.layers.dense(args);
  const ours = inputDense(args);
  tf.sequential({ layers: [dense] });
  tf.sequential({ layers: [ours] });
  ours.setWeights(dense.getWeights());
  const matMuls = async (layer: tf.layers.Layer) => {
    const info = await tf.profile(() => void tf.variableGrads(() => tf.sum(layer.apply(x) as tf.Tensor) as tf.Scalar));
    return info.kernels.filter((k) => k.name === 'BatchMatMul' || k.name === '_FusedMatMul').length;
  };
  // Forward, the kernel's gradient and, for Dense, the input's gradient that nothing reads.
  assert.equal(await matMuls(dense), 3);
  assert.equal(await matMuls(ours), 2);
  const dx = (layer: tf.layers.Layer) => tf.grad((input: tf.Tensor) => tf.sum(tf.square(layer.apply(input) as tf.Tensor)))(x).dataSync();
  assertClose(dx(ours), dx(dense), 'input gradient');
  // Inputs of rank > 2 take Dense's own path.
  const x3 = tf.reshape(x, [2, 4, 20]);
  assertClose((ours.apply(x3) as tf.Tensor).dataSync(), (dense.apply(x3) as tf.Tensor).dataSync(), 'rank-3 output');
});
