import assert from 'node:assert/strict';
import { test } from 'node:test';

import * as tf from '@tensorflow/tfjs';

import { leanConv2d } from './lean-conv2d.js';

const x = tf.randomNormal([2, 7, 7, 3], 0, 1, 'float32', 11);
type Values = Float32Array | Int32Array | Uint8Array;

function assertClose(got: Values, want: Values, what: string): void {
  assert.equal(got.length, want.length, what);
  got.forEach((v, i) => assert.ok(Math.abs(v - want[i]!) <= 1e-5 * (1 + Math.abs(want[i]!)), `${what}[${i}]: ${v} vs ${want[i]}`));
}

/** Output, weight gradients and the kernels of one taped forward and backward pass. */
async function run(layer: tf.layers.Layer) {
  let output: Values = new Float32Array();
  let grads: Values[] = [];
  const info = await tf.profile(() => {
    const { grads: g } = tf.variableGrads(() => {
      const y = layer.apply(x) as tf.Tensor;
      output = y.dataSync();
      return tf.sum(tf.square(y)) as tf.Scalar;
    });
    grads = layer.trainableWeights.map((w) => g[w.originalName]!.dataSync());
  });
  return { output, grads, inputGradients: info.kernels.filter((k) => k.name === 'Conv2DBackpropInput').length };
}

test('leanConv2d after the data: the same output and weight gradients as Conv2D, without the input gradient', async () => {
  for (const activation of ['linear', 'relu'] as const) {
    for (const useBias of [true, false]) {
      for (const padding of ['same', 'valid'] as const) {
        const args = { filters: 4, kernelSize: 3, strides: padding === 'valid' ? 2 : 1, padding, activation, useBias, inputShape: [7, 7, 3], biasInitializer: 'randomNormal' as const };
        const conv = tf.layers.conv2d(args);
        const ours = leanConv2d({ ...args, inputGradient: false });
        tf.sequential({ layers: [conv] });
        tf.sequential({ layers: [ours] });
        ours.setWeights(conv.getWeights());
        const what = `${activation}, bias ${useBias}, ${padding}`;
        const want = await run(conv);
        const got = await run(ours);
        assertClose(got.output, want.output, `${what}: output`);
        got.grads.forEach((g, i) => assertClose(g, want.grads[i]!, `${what}: gradient of weight ${i}`));
        // Conv2D fuses a linear activation (the presets' case: BN follows), and the fused op's gradient covers every input.
        assert.equal(want.inputGradients, activation === 'linear' ? 1 : 0, `${what}: Conv2D's gradients of the data`);
        assert.equal(got.inputGradients, 0, `${what}: ours does not`);
        assert.equal(ours.getClassName(), 'Conv2D');
        const { name: _a, ...oursConfig } = ours.getConfig();
        const { name: _b, ...convConfig } = conv.getConfig();
        assert.deepEqual(oursConfig, convConfig, what);
      }
    }
  }
});

test('leanConv2d with its input gradient (a layer after another) is Conv2D itself', async () => {
  const args = { filters: 4, kernelSize: 3, padding: 'same' as const, inputShape: [7, 7, 3] };
  const conv = tf.layers.conv2d(args);
  const ours = leanConv2d(args);
  tf.sequential({ layers: [conv] });
  tf.sequential({ layers: [ours] });
  ours.setWeights(conv.getWeights());
  const dx = (layer: tf.layers.Layer) => tf.grad((input: tf.Tensor) => tf.sum(tf.square(layer.apply(input) as tf.Tensor)))(x).dataSync();
  assertClose(dx(ours), dx(conv), 'input gradient');
});
