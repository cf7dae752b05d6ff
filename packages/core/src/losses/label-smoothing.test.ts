import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { assertClose, loadFixture } from '../testing/index.js';
import { labelSmoothingCrossEntropy, type SmoothingFormula } from './index.js';

interface Ref { loss: number; grad: number[][] }
interface Case {
  n: number; k: number; epsilon: number; logits: number[][]; labels: number[]; soft: number[][];
  uniform: Ref; seed: Ref; softUniform: Ref; softSeed: Ref;
}
const { cases } = loadFixture<{ cases: Case[] }>('losses/label_smoothing.json');

const variants: { key: 'uniform' | 'seed' | 'softUniform' | 'softSeed'; formula: SmoothingFormula; soft: boolean }[] = [
  { key: 'uniform', formula: 'uniform', soft: false },
  { key: 'seed', formula: 'seed', soft: false },
  { key: 'softUniform', formula: 'uniform', soft: true },
  { key: 'softSeed', formula: 'seed', soft: true },
];

function targets(c: Case, soft: boolean): tf.Tensor2D {
  return soft ? tf.tensor2d(c.soft) : tf.oneHot(tf.tensor1d(c.labels, 'int32'), c.k).toFloat() as tf.Tensor2D;
}

test('logits path: loss and d loss/d logits match torch CrossEntropyLoss (rtol 1e-5)', () => {
  for (const c of cases) {
    for (const v of variants) {
      const label = `${v.key} K=${c.k} eps=${c.epsilon}`;
      const loss = labelSmoothingCrossEntropy({ epsilon: c.epsilon, formula: v.formula, fromLogits: true });
      const yTrue = targets(c, v.soft);
      const logits = tf.tensor2d(c.logits);
      const { value, grad } = tf.valueAndGrad((z: tf.Tensor) => loss(yTrue, z))(logits);
      assertClose(value.dataSync(), [c[v.key].loss], { label: `${label} loss` });
      // The gradient is (softmax − target)/N: where the two nearly cancel, float32 leaves ~1e-9 absolute error.
      assertClose(grad.dataSync(), c[v.key].grad.flat(), { label: `${label} grad`, atol: 5e-9 });
      tf.dispose([yTrue, logits, value, grad]);
    }
  }
});

test('probabilities path (softmax then our loss): loss and gradient wrt logits match torch (rtol 1e-5)', () => {
  for (const c of cases) {
    for (const v of variants) {
      const label = `${v.key} K=${c.k} eps=${c.epsilon}`;
      const loss = labelSmoothingCrossEntropy({ epsilon: c.epsilon, formula: v.formula });
      const yTrue = targets(c, v.soft);
      const logits = tf.tensor2d(c.logits);
      const { value, grad } = tf.valueAndGrad((z: tf.Tensor) => loss(yTrue, tf.softmax(z)))(logits);
      assertClose(value.dataSync(), [c[v.key].loss], { label: `${label} loss` });
      assertClose(grad.dataSync(), c[v.key].grad.flat(), { label: `${label} grad`, atol: 5e-9 });
      tf.dispose([yTrue, logits, value, grad]);
    }
  }
});

test('seed formula puts 1-eps on the target and eps/(K-1) elsewhere (hand check)', () => {
  // Uniform predictions: loss = −Σ t·log(1/K) = log K for any target distribution; use a peaked prediction instead.
  const p = tf.tensor2d([[0.7, 0.2, 0.1]]);
  const y = tf.tensor2d([[1, 0, 0]]);
  const eps = 0.2;
  const seed = labelSmoothingCrossEntropy({ epsilon: eps, formula: 'seed' })(y, p).dataSync()[0]!;
  const uniform = labelSmoothingCrossEntropy({ epsilon: eps, formula: 'uniform' })(y, p).dataSync()[0]!;
  const expect = (t: number[]) => -t.reduce((s, ti, i) => s + ti * Math.log([0.7, 0.2, 0.1][i]!), 0);
  assertClose([seed], [expect([0.8, 0.1, 0.1])], { label: 'seed' });
  assertClose([uniform], [expect([0.8 + 0.2 / 3, 0.2 / 3, 0.2 / 3])], { label: 'uniform' });
});

test('a zero probability gives a finite loss (clip), default epsilon is 0.1', () => {
  const loss = labelSmoothingCrossEntropy();
  const value = loss(tf.tensor2d([[0, 1]]), tf.tensor2d([[0, 1]])).dataSync()[0]!;
  assert.ok(Number.isFinite(value), `loss ${value} must be finite`);
  // 0.05·(−log 1e-12) + 0.95·0: the default ε = 0.1 spread uniformly over K = 2.
  assertClose([value], [0.05 * -Math.log(1e-12)], { rtol: 1e-4, label: 'clipped loss' });
});

test('the probabilities path differentiates as the chain of ops does, a clipped probability included', () => {
  // Row 0 has an exact 0 and a probability below the clip; row 1 is ordinary. The chain: clip, log, mul, sum, mean.
  const p = tf.tensor2d([[0, 1e-13, 0.3, 0.7 - 1e-13], [0.1, 0.2, 0.3, 0.4]]);
  const y = tf.tensor2d([[0.25, 0.25, 0.25, 0.25], [0, 0, 1, 0]]);
  const loss = labelSmoothingCrossEntropy({ epsilon: 0 });
  const chain = (q: tf.Tensor) => tf.mean(tf.neg(tf.sum(tf.mul(y, tf.log(tf.clipByValue(q, 1e-12, Infinity))), -1))) as tf.Scalar;
  const ours = tf.valueAndGrad((q: tf.Tensor) => loss(y, q))(p);
  const want = tf.valueAndGrad(chain)(p);
  assertClose(ours.value.dataSync(), want.value.dataSync(), { label: 'loss' });
  const grad = ours.grad.dataSync();
  assert.ok(grad.every(Number.isFinite), `finite gradient: ${Array.from(grad).join(', ')}`);
  assert.ok(grad[0] === 0 && grad[1] === 0, `no gradient below the clip: ${grad[0]}, ${grad[1]}`); // -0 counts as 0
  assertClose(grad, want.grad.dataSync(), { label: 'gradient' });
});

test('works as model.compile({loss}): fit reports our loss and training lowers it', async () => {
  const model = tf.sequential();
  model.add(tf.layers.dense({ units: 4, inputShape: [3], activation: 'softmax',
    kernelInitializer: tf.initializers.randomNormal({ mean: 0, stddev: 1, seed: 5 }) }));
  const loss = labelSmoothingCrossEntropy({ epsilon: 0.1, formula: 'seed' });
  model.compile({ optimizer: tf.train.sgd(0.5), loss });
  const x = tf.randomNormal([16, 3], 0, 1, 'float32', 9);
  const y = tf.oneHot(tf.argMax(tf.matMul(x, tf.randomNormal([3, 4], 0, 1, 'float32', 4)), 1), 4).toFloat();
  const before = loss(y, model.predict(x) as tf.Tensor).dataSync()[0]!;
  const history = await model.fit(x, y, { batchSize: 16, epochs: 20, verbose: 0 });
  const losses = history.history['loss'] as number[];
  assertClose([losses[0]!], [before], { label: 'first reported loss' });
  assert.ok(losses.at(-1)! < 0.8 * losses[0]!, `loss should fall: ${losses[0]} -> ${losses.at(-1)}`);
});

test('bad options and shapes get clear errors', () => {
  assert.throws(() => labelSmoothingCrossEntropy({ epsilon: 1 }), /epsilon must be a number in \[0, 1\), got 1/);
  assert.throws(() => labelSmoothingCrossEntropy({ epsilon: -0.1 }), /epsilon .* got -0.1/);
  assert.throws(() => labelSmoothingCrossEntropy({ formula: 'keras' as SmoothingFormula }), /formula must be 'uniform' or 'seed', got "keras"/);
  const loss = labelSmoothingCrossEntropy();
  assert.throws(() => loss(tf.tensor2d([[1, 0]]), tf.tensor2d([[0.5, 0.3, 0.2]])), /yTrue shape \[1, 2\] must equal yPred shape \[1, 3\]/);
  assert.throws(() => loss(tf.tensor1d([0, 1], 'int32'), tf.tensor2d([[0.5, 0.5], [0.5, 0.5]])), /not class ids/);
  assert.throws(() => loss(tf.tensor1d([1]), tf.tensor1d([1])), /yPred must be \[batch, numClasses\]/);
  assert.throws(() => labelSmoothingCrossEntropy({ formula: 'seed' })(tf.tensor2d([[1]]), tf.tensor2d([[1]])), /needs K >= 2/);
});
