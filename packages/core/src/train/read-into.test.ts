import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { prepareBackends } from '../backend/test-support.js';
import { buildModel } from '../models/index.js';
import { createTrainer } from './index.js';
import { readInto } from './read-into.js';

test('computeGradients into caller arrays (read straight off the wasm heap) gives the bits of its own copies, on wasm and cpu', async () => {
  await prepareBackends();
  for (const backend of ['wasm', 'cpu'] as const) {
    await tf.setBackend(backend);
    // No dropout: two passes over the same batch must give the same gradients.
    const model = buildModel({
      inputShape: [28, 28, 1], numClasses: 10, seed: 3,
      layers: [{ type: 'flatten' }, { type: 'dense', units: 16 }, { type: 'relu' }, { type: 'dense', units: 10 }, { type: 'softmax' }],
    });
    const trainer = createTrainer(model);
    const x = tf.randomUniform([8, 28, 28, 1], 0, 1, 'float32', 5);
    const labels = tf.tensor1d([0, 1, 2, 3, 4, 5, 6, 7], 'int32');
    const own = trainer.computeGradients(x, labels);
    const into = trainer.parameterShapes.map((s) => new Float32Array(s.reduce((a, b) => a * b, 1)).fill(NaN));
    const again = trainer.computeGradients(x, labels, into);
    assert.ok(again.grads.every((g, i) => g === into[i]), `${backend}: the caller's arrays are the result`);
    own.grads.forEach((g, i) => assert.deepEqual(Array.from(into[i]!), Array.from(g), `${backend}: parameter ${i}`));
    assert.throws(() => trainer.computeGradients(x, labels, [new Float32Array(1)]), /one Float32Array per parameter/);
    const t = tf.tensor1d([1.5, -2, 3]);
    const out = new Float32Array(3);
    readInto(t, out);
    assert.deepEqual(Array.from(out), [1.5, -2, 3]);
    assert.throws(() => readInto(t, new Float32Array(2)), /3 values, the output 2/);
    tf.dispose([x, labels, t]);
    model.dispose();
  }
});
