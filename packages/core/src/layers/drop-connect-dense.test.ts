import assert from 'node:assert/strict';
import { test } from 'node:test';

import * as tf from '@tensorflow/tfjs';

import { assertClose } from '../testing/assert.js';
import { DropConnectDense, dropConnectDense } from './drop-connect-dense.js';

/**
 * A linear layer with known weights, applied in training mode to [I; X]: the identity rows reveal the masked kernel
 * (M⊙W)/(1−p) + b used by THIS call (one mask per call), the X rows are checked against it.
 */
function trainingCall(inputDim: number, units: number, p: number, otherRows: number, seed: number) {
  const layer = dropConnectDense({ units, dropRate: p, seed });
  const kernel = tf.randomUniform([inputDim, units], 0.5, 1.5, 'float32', seed + 1);
  const bias = tf.randomUniform([units], -1, 1, 'float32', seed + 2);
  layer.apply(tf.zeros([1, inputDim]));
  layer.setWeights([kernel, bias]);
  const others = tf.randomNormal([otherRows, inputDim], 0, 1, 'float32', seed + 3);
  const input = tf.concat([tf.eye(inputDim), others]);
  const kernelVar = layer.trainableWeights[0]!.read() as tf.Variable;
  let y: Float32Array = new Float32Array(0) as Float32Array;
  const { grads } = tf.variableGrads(() => {
    const out = layer.apply(input, { training: true }) as tf.Tensor;
    y = out.dataSync() as Float32Array;
    return tf.sum(out.slice([inputDim, 0], [otherRows, units]));
  }, [kernelVar]);
  const b = bias.dataSync();
  const w = kernel.dataSync();
  // A dropped kernel entry contributes exactly 0, so the identity row's output is exactly the bias there.
  const kept = Array.from({ length: inputDim * units }, (_, i) => y[i]! !== b[i % units]!);
  return { layer, y, w, b, kept, others: others.dataSync(), kernelGrad: grads[kernelVar.name]!.dataSync() };
}

test('dropConnectDense drops weights, not activations: y = x·(M⊙W)/(1−p) + b for the mask of the call', () => {
  const [inputDim, units, p, rows] = [7, 5, 0.4, 9];
  const { y, w, b, kept, others, kernelGrad } = trainingCall(inputDim, units, p, rows, 31);
  const s = 1 / (1 - p);
  for (let r = 0; r < rows; r++) {
    const expected = Array.from({ length: units }, (_, j) => {
      let sum = b[j]!;
      for (let k = 0; k < inputDim; k++) if (kept[k * units + j]) sum += others[r * inputDim + k]! * w[k * units + j]! * s;
      return sum;
    });
    assertClose(y.slice((inputDim + r) * units, (inputDim + r + 1) * units), expected, { atol: 1e-6, label: `row ${r}` });
  }
  // Kept weights are scaled by exactly fround(1/(1−p)); the gradient reaches only kept weights, scaled the same way.
  const colSums = Array.from({ length: inputDim }, (_, k) => Array.from({ length: rows }, (_, r) => others[r * inputDim + k]!).reduce((a, v) => a + v, 0));
  for (let i = 0; i < inputDim * units; i++) {
    const j = i % units;
    if (kept[i]) assertClose(y[i]! - b[j]!, w[i]! * Math.fround(s), { rtol: 1e-6, label: `masked kernel ${i}` });
    assertClose(kernelGrad[i]!, kept[i] ? colSums[Math.floor(i / units)]! * s : 0, { atol: 1e-6, label: `kernel grad ${i}` });
  }
  assert.ok(kept.some((k) => !k) && kept.some((k) => k), 'some weights dropped, some kept');
});

test('dropConnectDense drops a fraction ≈ p of the kernel entries (binomial tolerance)', () => {
  const p = 0.3;
  const { kept } = trainingCall(120, 150, p, 1, 41);
  const dropped = kept.filter((k) => !k).length;
  const n = kept.length;
  const tolerance = 5 * Math.sqrt(n * p * (1 - p));
  assert.ok(Math.abs(dropped - n * p) <= tolerance, `${dropped} of ${n} weights dropped, expected ${n * p} ± ${tolerance.toFixed(1)}`);
});

test('dropConnectDense uses the full weights at inference and applies its activation', () => {
  const layer = dropConnectDense({ units: 4, dropRate: 0.5, activation: 'relu' });
  const x = tf.randomNormal([6, 3], 0, 1, 'float32', 51);
  const y = layer.apply(x) as tf.Tensor;
  const [kernel, bias] = layer.getWeights();
  assertClose(y.dataSync(), tf.relu(tf.add(tf.matMul(x, kernel!), bias!)).dataSync(), { label: 'inference' });
});

test('dropConnectDense: same seed → same masks; rank-3 input; kernel regularizer adds a loss', () => {
  const x = tf.randomNormal([2, 3, 4], 0, 1, 'float32', 61);
  const make = () => {
    const layer = dropConnectDense({ units: 5, dropRate: 0.5, seed: 8, kernelInitializer: 'ones', kernelRegularizer: tf.regularizers.l2({ l2: 0.1 }) });
    return layer;
  };
  const a = make().apply(x, { training: true }) as tf.Tensor;
  const b = make().apply(x, { training: true }) as tf.Tensor;
  assert.deepEqual(a.shape, [2, 3, 5]);
  assert.deepEqual(a.dataSync(), b.dataSync());
  const layer = make();
  layer.apply(x);
  assert.equal(layer.losses.length, 1);
  assertClose((layer.losses[0]!() as tf.Scalar).dataSync(), [0.1 * 4 * 5], { label: 'l2 penalty on a ones kernel' });
});

test('dropConnectDense rejects bad options, naming them', () => {
  assert.throws(() => dropConnectDense({ units: 0, dropRate: 0.1 }), /dropConnectDense units: expected a positive integer, got 0/);
  assert.throws(() => dropConnectDense({ units: 3, dropRate: 1 }), /dropConnectDense dropRate: expected a drop probability in \[0, 1\), got 1/);
  assert.throws(() => dropConnectDense({ units: 3, dropRate: 0.1, kernelInitializer: { className: 'NoSuchInit', config: {} } }), /dropConnectDense kernelInitializer: unknown class "NoSuchInit"/);
  assert.ok(new DropConnectDense({ units: 3, dropRate: 0.1 }) instanceof tf.layers.Layer);
});
