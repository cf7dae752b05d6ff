// One training step's gradients of a model preset, for comparing backends (dropout off: both runs draw nothing random).
import * as tf from '@tensorflow/tfjs';
import { buildModel, presetSpec } from '../models/index.js';
import { assertRelClose, randomValues, rng } from './test-support.js';

export function gradients(model: tf.LayersModel, xValues: Float32Array, shape: number[], labels: number[]): Map<string, Float32Array> {
  const x = tf.tensor(xValues, shape);
  const y = tf.oneHot(tf.tensor1d(labels, 'int32'), 10);
  const { value, grads } = tf.variableGrads(() =>
    tf.tidy(() => tf.neg(tf.mean(tf.sum(tf.mul(y, tf.log(tf.add(model.apply(x, { training: true }) as tf.Tensor, 1e-7))), -1)))) as tf.Scalar,
  );
  const out = new Map(Object.entries(grads).map(([name, g]) => [name, g.dataSync() as Float32Array]));
  tf.dispose([x, y, value, ...Object.values(grads)]);
  return out;
}

/**
 * Presets and input sizes compared against cpu. seed-convnet is compared at 8×8 inputs (same layers and kernels,
 * smaller maps): on the cpu backend one step at 32×32×3 takes ~30 s.
 */
export const presetGradientCases: Array<[string, number[], number]> = [
  ['mlp', [28, 28, 1], 4],
  ['mnist-small-cnn', [28, 28, 1], 4],
  ['seed-convnet', [8, 8, 1], 4],
  ['seed-convnet', [8, 8, 3], 4],
];

/** Asserts that one step of preset `name` on the active backend gives the cpu backend's gradients (rel ≤ 1e-4). */
export async function assertPresetGradientsMatchCpu(backend: string, name: string, inputShape: number[], batch: number): Promise<void> {
  await tf.setBackend(backend);
  const model = buildModel(presetSpec(name, { inputShape, dropoutFc: 0, dropoutConv: 0, seed: 3 }));
  const shape = [batch, ...inputShape];
  const xValues = randomValues(rng(42), shape);
  const labels = Array.from({ length: batch }, (_, i) => (i * 3) % 10);
  const ours = gradients(model, xValues, shape, labels);
  await tf.setBackend('cpu');
  const onCpu = gradients(model, xValues, shape, labels);
  if (ours.size !== model.trainableWeights.length) throw new Error(`${name}: ${ours.size} gradients for ${model.trainableWeights.length} weights`);
  for (const [weight, g] of onCpu) assertRelClose(ours.get(weight)!, g, `${name} grad ${weight}`);
  model.layers.forEach((l) => l.dispose());
}
