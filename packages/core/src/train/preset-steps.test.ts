import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { assertClose, loadFixture } from '../testing/index.js';
import { loadMnistDigits, normalizePixels, readPixels } from '../data/index.js';
import { buildModel, presetSpec } from '../models/index.js';
import { createOptimizer } from '../optim/index.js';
import { selectBackend } from '../backend/index.js';
import { createTrainer } from './index.js';

// The backend a worker trains on by default (the native kernels where they built, else wasm): the path the default
// run takes, and tfjs's cpu backend needs seconds per step of this convnet.
const backend = await selectBackend({ log: () => {} });

interface Summary { sum: number; norm: number; first: number[] }
interface PresetSteps {
  steps: number; batchSize: number; lr: number; momentum: number; l2: number; labelSmoothing: number; mean: number; std: number;
  indices: number[][]; losses: number[]; parameterNames: string[]; parameters: Summary[]; states: Summary[];
}
const ref = loadFixture<PresetSteps>('train/preset_steps.json');

/** gen_preset_steps.py's initial values: w[i] = s·sin(1 + 0.37·i + k), s = √(2/fanIn)·√2 or a fixed scale; γ = 1 + that. */
function initialValues(name: string, shape: number[], k: number): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const fanIn = name.endsWith('/kernel') ? n / shape[shape.length - 1]! : 0;
  const scale = fanIn ? Math.sqrt(2 / fanIn) * Math.SQRT2 : name.endsWith('/bias') ? 0.01 : 0.1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.fround(scale * Math.sin(1 + 0.37 * i + k)) + (name.endsWith('/gamma') ? 1 : 0);
  return out;
}

function checkSummary(values: Float32Array, expected: Summary, label: string): void {
  let sum = 0, squares = 0;
  for (const v of values) {
    sum += v;
    squares += v * v;
  }
  // Five steps through BN and two convolutions compound float32 rounding differences (different summation orders).
  assertClose(Math.sqrt(squares), expected.norm, { rtol: 1e-5, label: `${label} norm` });
  assertClose(sum, expected.sum, { rtol: 1e-4, atol: 1e-5 * expected.norm, label: `${label} sum` });
  assertClose(values.subarray(0, expected.first.length), expected.first, { rtol: 1e-4, atol: 1e-6 * expected.norm, label: `${label} first values` });
}

test(`five steps of the mnist-small-cnn preset (BN, L2, label smoothing, momentum SGD) track torch on real digits (${backend.selected} backend)`, () => {
  const model = buildModel(presetSpec('mnist-small-cnn', { dropoutFc: 0 }));
  const trainer = createTrainer(model, { labelSmoothing: ref.labelSmoothing, regularizer: { l2: ref.l2 } });
  assert.deepEqual(trainer.parameterNames, ref.parameterNames);
  trainer.setParameters(trainer.parameterNames.map((name, k) => initialValues(name, trainer.parameterShapes[k]!, k)));
  const params = trainer.getParameters();
  // The L2 penalty is in the trainer's gradients, so the PS's optimizer runs without weight decay, as in a real run.
  const optimizer = createOptimizer('sgd', params, { lr: ref.lr, momentum: ref.momentum });
  const digits = loadMnistDigits();
  const size = 28 * 28;
  const stats = { mean: [ref.mean], std: [ref.std] };
  const losses: number[] = [];
  for (const batch of ref.indices) {
    const x = new Float32Array(batch.length * size);
    batch.forEach((j, r) => {
      const pixels = x.subarray(r * size, (r + 1) * size);
      readPixels(digits, j * size, size, pixels, 0);
      normalizePixels(pixels, stats, pixels); // the workers' own normalization: it differs from torch's float32 (x − m) / s in the last bits only
    });
    const xs = tf.tensor4d(x, [batch.length, 28, 28, 1]);
    const ys = tf.tensor1d(batch.map((j) => digits.labels[j]!), 'int32');
    const { loss, grads } = trainer.computeGradients(xs, ys);
    tf.dispose([xs, ys]);
    optimizer.step(grads);
    trainer.setParameters(params);
    losses.push(loss);
  }
  assertClose(losses, ref.losses, { rtol: 1e-5, label: 'loss per step' });
  trainer.getParameters().forEach((p, k) => checkSummary(p, ref.parameters[k]!, ref.parameterNames[k]!));
  trainer.getStates().forEach((s, k) => checkSummary(s, ref.states[k]!, trainer.stateNames[k]!));
  trainer.dispose();
});
