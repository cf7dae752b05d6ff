import test from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { assertClose } from '../testing/index.js';
import { StepLR } from './step-lr.js';
import { ReduceLROnPlateau } from './reduce-lr-on-plateau.js';

// Every update rule below is linear in lr with optimizer state that does not depend on lr (RMSprop with its default
// momentum 0), so after scaling one twin's lr by 0.1 its next weight delta must be exactly 0.1× the other twin's.
const makers: [string, (lr: number) => tf.Optimizer][] = [
  ['sgd', (lr) => tf.train.sgd(lr)],
  ['momentum', (lr) => tf.train.momentum(lr, 0.9)],
  ['nesterov', (lr) => tf.train.momentum(lr, 0.9, true)],
  ['adam', (lr) => tf.train.adam(lr)],
  ['adamax', (lr) => tf.train.adamax(lr)],
  ['rmsprop', (lr) => tf.train.rmsprop(lr)],
  ['adagrad', (lr) => tf.train.adagrad(lr)],
  ['adadelta', (lr) => tf.train.adadelta(lr)],
];

function applyAndDelta(opt: tf.Optimizer, w: tf.Variable, grad: number[]): number[] {
  const before = Array.from(w.dataSync());
  tf.tidy(() => opt.applyGradients({ [w.name]: tf.tensor1d(grad) }));
  const after = w.dataSync();
  return before.map((b, i) => after[i]! - b);
}

for (const [name, make] of makers) {
  test(`a scheduler changes the lr that the next applyGradients of tf.train.${name} really uses`, () => {
    const lr = 0.5;
    const wa = tf.variable(tf.tensor1d([1, -2, 3]), true, `wa_${name}`);
    const wb = tf.variable(tf.tensor1d([1, -2, 3]), true, `wb_${name}`);
    const a = make(lr);
    const b = make(lr);
    const g1 = [0.3, -0.2, 0.1];
    const g2 = [0.25, 0.5, -0.75];
    assertClose(applyAndDelta(a, wa, g1), applyAndDelta(b, wb, g1), { label: `${name} twins agree` });

    const sched = new StepLR(a, { stepSize: 1, gamma: 0.1 });
    sched.step();
    assertClose(sched.getLastLr(), [lr * 0.1]);

    const da = applyAndDelta(a, wa, g2);
    const db = applyAndDelta(b, wb, g2);
    assertClose(da, db.map((d) => d * 0.1), { rtol: 1e-4, atol: 1e-8, label: `${name} delta after lr×0.1` });
    assert.ok(Math.abs(db[0]!) > 1e-4, 'the reference step moved the weight');
    a.dispose(); b.dispose(); wa.dispose(); wb.dispose();
  });
}

test('why the SGD family needs setLearningRate: writing learningRate alone leaves the cached -lr scalar in use', () => {
  const w = tf.variable(tf.tensor1d([0]), true, 'w_sgd_pitfall');
  const opt = tf.train.sgd(1);
  (opt as unknown as { learningRate: number }).learningRate = 0.001;
  assertClose(applyAndDelta(opt, w, [1]), [-1], { label: 'tfjs ignores the bare field' });
  const plateau = new ReduceLROnPlateau(opt, { patience: 0, factor: 0.5 });
  plateau.step(1); plateau.step(1); // the second step is a bad epoch: lr 0.001 → 0.0005
  assertClose(applyAndDelta(opt, w, [1]), [-0.0005], { label: 'scheduler-set lr is used' });
  opt.dispose(); w.dispose();
});

test('a model target follows model.optimizer, and complains before compile', () => {
  const model = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [2] })] });
  assert.throws(() => new StepLR(model, { stepSize: 1 }), /has no optimizer yet: call model.compile/);
  model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
  const sched = new StepLR(model, { stepSize: 1, gamma: 0.5 });
  sched.step();
  assertClose((model.optimizer as unknown as { learningRate: number }).learningRate, 0.005);
  model.dispose();
});
