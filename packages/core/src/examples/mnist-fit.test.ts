import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { runMnistFitExample } from './mnist-fit.js';

test('the standalone model.fit example reaches ≥ 95% held-out accuracy on the MNIST digits', async () => {
  const lines: string[] = [];
  const before = tf.memory().numTensors;
  const result = await runMnistFitExample({ backend: 'wasm', log: (line) => lines.push(line) });
  assert.equal(result.backend, 'wasm');
  assert.equal(result.preset, 'mlp');
  assert.deepEqual(result.counts, { train: 8000, validation: 1000, test: 1000 });
  assert.equal(result.history.length, 15);
  assert.ok(result.history.every((e) => e.lr > 0 && Number.isFinite(e.valLoss)), 'the plateau callback logs the lr of every epoch');
  assert.ok(result.testAccuracy >= 0.95, `held-out accuracy ${result.testAccuracy} < 0.95\n${lines.join('\n')}`);
  assert.ok(lines.some((l) => l.startsWith('held-out test accuracy')));
  assert.equal(tf.memory().numTensors, before, 'the example disposes its tensors and model');
});

test('the example rejects bad options before training', async () => {
  await assert.rejects(runMnistFitExample({ epochs: 0 }), /epochs must be a positive integer, got 0/);
  await assert.rejects(runMnistFitExample({ preset: 'resnet' }), /preset must be one of mlp, mnist-small-cnn, seed-convnet/);
});
