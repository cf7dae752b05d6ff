import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { assertClose, loadFixture } from '../testing/index.js';
import { L1L2Penalty, l1, l1l2, l2, regularizationPenalty } from './index.js';

interface PenaltyCase { l1: number; l2: number; shapes: number[][]; weights: number[][]; penalty: number; grads: number[][] }
interface Fixture {
  penalties: PenaltyCase[];
  weightDecay: { lr: number; weightDecay: number; x: number[][]; y: number[][]; kernel0: number[][]; bias0: number[];
    dataLoss: number; kernel1: number[][]; bias1: number[] };
}
const fixture = loadFixture<Fixture>('regularizers/regularizers.json');

test('regularizationPenalty and its gradient match torch l1*sum|w| + l2/2*sum w^2', () => {
  for (const c of fixture.penalties) {
    const ws = c.weights.map((w, i) => tf.tensor(w, c.shapes[i]));
    const penalty = regularizationPenalty(ws, { l1: c.l1, l2: c.l2 });
    assertClose(penalty.dataSync(), [c.penalty], { label: `penalty l1=${c.l1} l2=${c.l2}` });
    const grads = tf.grads((...xs: tf.Tensor[]) => regularizationPenalty(xs, { l1: c.l1, l2: c.l2 }))(ws);
    grads.forEach((g, i) => assertClose(g.dataSync(), c.grads[i]!, { label: `grad[${i}] l1=${c.l1} l2=${c.l2}` }));
    tf.dispose([...ws, penalty, ...grads]);
  }
});

test('the regularizer class computes the same penalty per tensor as regularizationPenalty', () => {
  const c = fixture.penalties[2]!;
  const ws = c.weights.map((w, i) => tf.tensor(w, c.shapes[i]));
  const reg = l1l2({ l1: c.l1, l2: c.l2 });
  const summed = ws.reduce((acc, w) => acc + reg.apply(w).dataSync()[0]!, 0);
  assertClose([summed], [c.penalty], { label: 'sum of per-tensor penalties' });
  assertClose(l1(0.5).apply(tf.tensor([-1, 2, 0])).dataSync(), [1.5], { label: 'l1' });
  assertClose(l2(0.5).apply(tf.tensor([-1, 2, 0])).dataSync(), [1.25], { label: 'l2 = lambda/2 * sum w^2' });
});

test('l2 penalty + plain SGD step equals torch SGD(weight_decay) step', () => {
  const f = fixture.weightDecay;
  const x = tf.tensor2d(f.x);
  const y = tf.tensor2d(f.y);
  const kernel = tf.tensor2d(f.kernel0);
  const bias = tf.tensor1d(f.bias0);
  // torch's weight_decay applies to every parameter of the group, the bias included.
  const lossFn = (k: tf.Tensor, b: tf.Tensor) =>
    tf.add(tf.losses.meanSquaredError(y, tf.add(tf.matMul(x, k as tf.Tensor2D), b)), regularizationPenalty([k, b], { l2: f.weightDecay }));
  const [gk, gb] = tf.grads(lossFn)([kernel, bias]);
  const kernel1 = tf.sub(kernel, tf.mul(f.lr, gk!));
  const bias1 = tf.sub(bias, tf.mul(f.lr, gb!));
  assertClose(kernel1.dataSync(), f.kernel1.flat(), { label: 'kernel after step' });
  assertClose(bias1.dataSync(), f.bias1, { label: 'bias after step' });
});

test('rates are validated with errors that name the option', () => {
  assert.throws(() => l1(-1), /l1: expected a finite number >= 0, got -1/);
  assert.throws(() => l2(Number.NaN), /l2: expected a finite number >= 0, got NaN/);
  assert.throws(() => l1({ l1: 0.01 } as unknown as number), /l1: expected a finite number >= 0, got \{"l1":0.01\}/);
  assert.throws(() => l1l2({ l1: 0.1, l2: Infinity }), /l2: expected a finite number >= 0, got Infinity/);
  assert.throws(() => regularizationPenalty([tf.zeros([2])], { l2: -0.1 }), /regularizationPenalty: l2/);
  assert.throws(() => regularizationPenalty([[1, 2] as unknown as tf.Tensor], { l2: 0.1 }), /weights\[0\] is not a tf.Tensor/);
});

test('zero rates give a zero penalty; empty weight list gives 0', () => {
  assert.equal(regularizationPenalty([tf.ones([3])], {}).dataSync()[0], 0);
  assert.equal(regularizationPenalty([], { l1: 1, l2: 1 }).dataSync()[0], 0);
});

test('registered for serialization under its own name, not tfjs L1L2', () => {
  const reg = l1l2({ l1: 0.25, l2: 0.5 });
  assert.equal(reg.getClassName(), 'L1L2Penalty');
  const map = tf.serialization.SerializationMap.getMap().classNameMap;
  assert.equal(map['L1L2Penalty']?.[0], L1L2Penalty);
  assert.notEqual(map['L1L2']?.[0], L1L2Penalty, "tfjs' own L1L2 must stay registered");
  assert.deepEqual(reg.getConfig(), { l1: 0.25, l2: 0.5 });
});
