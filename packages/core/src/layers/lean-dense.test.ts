import assert from 'node:assert/strict';
import { test } from 'node:test';

import * as tf from '@tensorflow/tfjs';

import { leanDense } from './lean-dense.js';

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

test('leanDense computes what Dense computes, with the same weight gradients, and serializes as a Dense', () => {
  for (const activation of ['linear', 'relu', 'softmax'] as const) {
    for (const useBias of [true, false]) {
      for (const inputGradient of [true, false]) {
      const args = { units: 6, activation, useBias, inputShape: [20], biasInitializer: 'randomNormal' as const };
      const dense = tf.layers.dense(args);
      const ours = leanDense({ ...args, inputGradient });
      tf.sequential({ layers: [dense] });
      tf.sequential({ layers: [ours] });
      ours.setWeights(dense.getWeights());
      const what = `${activation}, bias ${useBias}, input gradient ${inputGradient}`;
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
  }
});

test("leanDense's backward pass computes only the products it needs, in fewer kernels than Dense's", async () => {
  const args = { units: 6, inputShape: [20] }; // linear, as the presets' Dense layers (an Activation or BN follows)
  const dense = tf.layers.dense(args);
  const first = leanDense({ ...args, inputGradient: false });
  const inner = leanDense(args);
  for (const layer of [dense, first, inner]) tf.sequential({ layers: [layer] });
  first.setWeights(dense.getWeights());
  inner.setWeights(dense.getWeights());
  const kernels = async (layer: tf.layers.Layer) => {
    const info = await tf.profile(() => void tf.variableGrads(() => tf.sum(layer.apply(x) as tf.Tensor) as tf.Scalar));
    return { all: info.kernels.length, matMuls: info.kernels.filter((k) => k.name === 'BatchMatMul' || k.name === '_FusedMatMul').length };
  };
  const d = await kernels(dense);
  const f = await kernels(first);
  const i = await kernels(inner);
  // Forward, the kernel's gradient and, for Dense, the input's gradient that nothing reads.
  assert.equal(d.matMuls, 3);
  assert.equal(f.matMuls, 2);
  assert.equal(i.matMuls, 3);
  assert.ok(i.all < d.all && f.all < i.all, `kernels under the tape: Dense ${d.all}, lean ${i.all}, lean without input gradient ${f.all}`);
  const dx = (layer: tf.layers.Layer) => tf.grad((input: tf.Tensor) => tf.sum(tf.square(layer.apply(input) as tf.Tensor)))(x).dataSync();
  assertClose(dx(inner), dx(dense), 'input gradient');
  // Inputs of rank > 2 take Dense's own path.
  const x3 = tf.reshape(x, [2, 4, 20]);
  assertClose((inner.apply(x3) as tf.Tensor).dataSync(), (dense.apply(x3) as tf.Tensor).dataSync(), 'rank-3 output');
});

test('leanDense layers stacked in a model: the same gradients for every weight as Dense layers', () => {
  // The inner layers' inputs are intermediates the tape disposes after the forward pass: their saved copies are used.
  const build = (make: (a: { units: number; activation?: 'relu'; inputShape?: number[]; inputGradient?: boolean }) => tf.layers.Layer) =>
    tf.sequential({ layers: [make({ units: 12, activation: 'relu', inputShape: [20], inputGradient: false }), make({ units: 9, activation: 'relu' }), make({ units: 4 })] });
  const dense = build(({ inputGradient: _, ...a }) => tf.layers.dense(a));
  const ours = build((a) => leanDense(a));
  ours.setWeights(dense.getWeights());
  const grads = (model: tf.Sequential) => {
    const { grads: g } = tf.variableGrads(() => tf.sum(tf.square(model.apply(x) as tf.Tensor)) as tf.Scalar);
    return model.trainableWeights.map((w) => g[w.originalName]!.dataSync());
  };
  const want = grads(dense);
  const got = grads(ours);
  assert.equal(got.length, 6);
  got.forEach((g, k) => assertClose(g, want[k]!, `gradient of weight ${k}`));
});
