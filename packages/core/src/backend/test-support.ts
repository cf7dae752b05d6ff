// Test helpers for the backend area: run one kernel on a named backend, seeded random data, tolerance.
import * as tf from '@tensorflow/tfjs';
import { assertClose } from '../testing/index.js';
import { loadWasmBackendPackage } from './wasm-loader.js';
import { registerWasmTrainingKernels } from './wasm-kernels/register.js';

export interface HostTensor {
  values: Float32Array | Int32Array;
  shape: number[];
  dtype?: 'float32' | 'int32';
}

/** Loads wasm, registers our kernels; leaves `cpu` as the active backend. */
export async function prepareBackends(): Promise<void> {
  await loadWasmBackendPackage();
  registerWasmTrainingKernels();
  await tf.setBackend('wasm');
  await tf.setBackend('cpu');
}

/** Runs kernel `name` on `backend` and returns its first output's values. */
export async function runKernelOn(
  backend: 'cpu' | 'wasm',
  name: string,
  inputs: Record<string, HostTensor>,
  attrs: tf.NamedAttrMap,
): Promise<{ values: Float32Array; shape: number[] }> {
  await tf.setBackend(backend);
  const tensors = Object.fromEntries(
    Object.entries(inputs).map(([k, t]) => [k, tf.tensor(t.values, t.shape, t.dtype ?? 'float32')]),
  );
  const before = tf.memory().numTensors;
  const out = tf.engine().runKernel(name, tensors, attrs) as tf.Tensor | tf.Tensor[];
  const first = Array.isArray(out) ? out[0]! : out;
  const result = { values: first.dataSync() as Float32Array, shape: first.shape };
  for (const t of Array.isArray(out) ? out : [out]) t.dispose();
  const leaked = tf.memory().numTensors - before;
  for (const t of Object.values(tensors)) t.dispose();
  if (leaked !== 0) throw new Error(`${name} on ${backend} left ${leaked} tensors behind`);
  return result;
}

/** Seeded test data, so a failing random case can be replayed from its seed. */
export { mulberry32 as rng } from '../data/rng.js';

export function randomValues(random: () => number, shape: number[]): Float32Array {
  const out = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < out.length; i++) out[i] = random() * 2 - 1;
  return out;
}

export function randomInt(random: () => number, lo: number, hi: number): number {
  return lo + Math.floor(random() * (hi - lo + 1));
}

/** Relative error ≤ rtol, measured against the reference's largest magnitude (sums of ± terms can cancel). */
export function assertRelClose(actual: ArrayLike<number>, expected: ArrayLike<number>, label: string, rtol = 1e-4): void {
  let scale = 0;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]!));
  assertClose(actual, expected, { rtol, atol: rtol * scale, label });
}
