import assert from 'node:assert/strict';
import { test } from 'node:test';

import * as tf from '@tensorflow/tfjs';

import { customOp } from './custom-op.js';

test('customOp: one taped op with the gradient it declares; saved intermediates survive to the backward pass', async () => {
  const square = customOp(([x], save) => {
    const doubled = tf.mul(x!, 2); // made inside the forward pass: read in gradFunc only through save
    save([doubled]);
    return { value: tf.mul(x!, x!), gradFunc: (dy, [d]) => tf.mul(dy, d!) };
  });
  const { value, grad } = tf.valueAndGrad((x: tf.Tensor) => tf.sum(square(x)))(tf.tensor1d([3, -1]));
  assert.equal(value.dataSync()[0], 10);
  assert.deepEqual(Array.from(grad.dataSync()), [6, -2]);
});

test('customOp: a captured tensor is not an input, so it gets no gradient and the gradients follow the inputs', () => {
  const weight = tf.variable(tf.tensor1d([2, 5]));
  const data = tf.tensor1d([1, 4]);
  const scale = customOp(([w]) => ({ value: tf.mul(w!, data), gradFunc: (dy) => tf.mul(dy, data) }));
  const { grads } = tf.variableGrads(() => tf.sum(scale(weight)) as tf.Scalar, [weight]);
  assert.deepEqual(Array.from(grads[weight.name]!.dataSync()), [1, 4]);
  assert.throws(() => tf.grad((d: tf.Tensor) => tf.sum(scale(weight)))(data), /Cannot compute gradient/);
});
