import test from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { assertClose } from '../testing/index.js';
import { lrSchedulerCallback, reduceLROnPlateau } from './callbacks.js';
import { ReduceLROnPlateau } from './reduce-lr-on-plateau.js';
import { StepLR } from './step-lr.js';
import { LinearLR } from './linear-lr.js';
import { fakeOptimizer } from './fixture-cases.js';

/** Deterministic synthetic regression: y = x·w + noise. The noise floor makes val_loss plateau after a few epochs. */
function data(n: number, seed: number): { x: tf.Tensor2D; y: tf.Tensor2D } {
  let s = seed;
  const rand = () => { s = (s * 1103515245 + 12345) % 2 ** 31; return s / 2 ** 31 - 0.5; };
  const xs: number[] = [], ys: number[] = [];
  for (let i = 0; i < n; i++) {
    const a = rand() * 4, b = rand() * 4;
    xs.push(a, b);
    ys.push(1.5 * a - 2 * b + 0.5 + rand());
  }
  return { x: tf.tensor2d(xs, [n, 2]), y: tf.tensor2d(ys, [n, 1]) };
}

function tinyModel(optimizer: tf.Optimizer | string): tf.LayersModel {
  const model = tf.sequential({
    layers: [tf.layers.dense({ units: 1, inputShape: [2], kernelInitializer: tf.initializers.zeros() })],
  });
  model.compile({ optimizer, loss: 'meanSquaredError' });
  return model;
}

const lrOf = (o: tf.Optimizer) => (o as unknown as { learningRate: number }).learningRate;

test('reduceLROnPlateau drives model.fit: val_loss plateaus, the lr drops as torch decides, History records lr', async () => {
  const train = data(48, 1);
  const val = data(24, 2);
  const opt = tf.train.sgd(0.05);
  const model = tinyModel(opt);
  const options = { factor: 0.5, patience: 1, threshold: 0.01, cooldown: 1 };
  const callback = reduceLROnPlateau({ monitor: 'val_loss', ...options });
  const history = await model.fit(train.x, train.y, {
    epochs: 25, batchSize: 8, shuffle: false, verbose: 0, validationData: [val.x, val.y], callbacks: [callback],
  });
  const valLoss = history.history.val_loss as number[];
  const lr = history.history.lr as number[];
  assert.equal(lr.length, 25);
  assert.equal(lr[0], 0.05);
  const drops = lr.filter((v, i) => i > 0 && v < lr[i - 1]!).length;
  assert.ok(drops >= 2, `lr dropped ${drops} times: ${lr.join(', ')}`);

  // Replaying the recorded val_loss through a plain ReduceLROnPlateau gives the same lr every epoch: the callback
  // applies torch's decisions to the tfjs optimizer, and logs the lr each epoch trained with.
  const replayOpt = fakeOptimizer([0.05]);
  const replay = new ReduceLROnPlateau(replayOpt, options);
  valLoss.forEach((v, e) => {
    assertClose(lr[e]!, replayOpt.paramGroups[0]!.lr, { label: `epoch ${e} lr` });
    replay.step(v);
  });
  assertClose(lrOf(opt), replayOpt.paramGroups[0]!.lr, { label: 'optimizer lr after fit' });
  assert.equal(callback.scheduler!.numBadEpochs, replay.numBadEpochs);
  model.dispose();
  tf.dispose([train.x, train.y, val.x, val.y]);
});

test('a missing monitored metric is a clear error naming the available keys', async () => {
  const train = data(16, 3);
  const model = tinyModel(tf.train.adam(0.01));
  await assert.rejects(
    model.fit(train.x, train.y, { epochs: 2, verbose: 0, callbacks: [reduceLROnPlateau({ monitor: 'val_loss' })] }),
    /monitored metric 'val_loss' is missing from the logs of epoch 0; available: loss \(validation metrics need validationData or validationSplit/,
  );
  await assert.rejects(
    model.fit(train.x, train.y, { epochs: 1, verbose: 0, validationSplit: 0.25, callbacks: [reduceLROnPlateau({ monitor: 'val_acc' })] }),
    /'val_acc' is missing .* available: val_loss, loss$/,
  );
  assert.throws(() => reduceLROnPlateau({ factor: 2 }), /option 'factor' must be a finite number ≥ 0 and < 1, got 2/);
  model.dispose();
  tf.dispose([train.x, train.y]);
});

test('reduceLROnPlateau state carries over fit calls and verbose reports reductions', async (t) => {
  const lines: string[] = [];
  t.mock.method(console, 'log', (msg: string) => { lines.push(String(msg)); });
  const train = data(16, 4);
  // Inputs of zeros and no bias: predictions stay 0, so val_loss is exactly flat whatever the training does.
  const valX = tf.zeros([8, 2]);
  const valY = tf.ones([8, 1]);
  const model = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [2], useBias: false })] });
  const opt = tf.train.adam(0.1);
  model.compile({ optimizer: opt, loss: 'meanSquaredError' });
  const callback = reduceLROnPlateau({ patience: 1, factor: 0.5, verbose: true });
  const lrs: number[] = [];
  for (let e = 0; e < 6; e++) {
    const h = await model.fit(train.x, train.y, { epochs: 1, verbose: 0, validationData: [valX, valY], callbacks: [callback] });
    lrs.push(h.history.lr![0] as number);
  }
  // flat metric, patience 1: epochs 0 (best), 1 (bad 1), 2 (bad 2 → reduce), 3, 4 (reduce), 5
  assert.deepEqual(lrs, [0.1, 0.1, 0.1, 0.05, 0.05, 0.025]);
  assert.equal(lrOf(opt), 0.025);
  assert.deepEqual(lines, ['Epoch 00003: reducing learning rate of group 0 to 5.0000e-02.',
    'Epoch 00005: reducing learning rate of group 0 to 2.5000e-02.']);
  model.dispose();
  tf.dispose([train.x, train.y, valX, valY]);
});

test('lrSchedulerCallback steps an epoch scheduler once per epoch (warmup then step decay)', async () => {
  const train = data(16, 5);
  const model = tinyModel('sgd'); // tfjs default lr 0.01
  const warm = lrSchedulerCallback((opt) => new LinearLR(opt, { startFactor: 0.25, totalIters: 3 }));
  const decay = lrSchedulerCallback((opt) => new StepLR(opt, { stepSize: 4, gamma: 0.5 }));
  const h = await model.fit(train.x, train.y, { epochs: 9, verbose: 0, callbacks: [warm, decay] });
  // torch chaining on one optimizer: LinearLR ramps 0.0025 → 0.01 over 3 epochs, StepLR halves at epochs 4 and 8.
  const want = [0.0025, 0.005, 0.0075, 0.01, 0.005, 0.005, 0.005, 0.005, 0.0025];
  assertClose(h.history.lr as number[], want, { label: 'history lr' });
  assertClose(lrOf(model.optimizer), 0.0025);
  assert.throws(() => lrSchedulerCallback(42 as never), /expected a function/);
  const wrong = lrSchedulerCallback((opt) => new ReduceLROnPlateau(opt) as never);
  await assert.rejects(model.fit(train.x, train.y, { epochs: 1, verbose: 0, callbacks: [wrong] }), /use reduceLROnPlateau/);
  model.dispose();
  tf.dispose([train.x, train.y]);
});
