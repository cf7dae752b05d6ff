import * as tf from '@tensorflow/tfjs';
import seedrandom from 'seedrandom';

/**
 * A backend kernel drawing {@link SeedStream}'s masks bit for bit (attrs: shape, key, keepFrom = ⌈dropBelow⌉, scale; no
 * inputs); the native path registers one for wasm.
 */
export const keepMaskKernelName = 'TensorfleetKeepMask';

/**
 * Draws the keep-masks of one dropout-style layer. With a seed, the n-th training call of every layer built with that
 * seed uses the same mask (reproducible runs); without one, from Math.random.
 * Masks differ from call to call either way: the seed is combined with a call counter, never reused as is.
 */
export class SeedStream {
  private calls = 0;
  private key = '';

  constructor(readonly seed: number | undefined) {}

  /**
   * Moves the stream to a named position, e.g. `${rank}/${step}`: the masks then depend on (seed, key, call within the
   * key) and not on how many calls this process made before. That keeps a resumed run on the masks an uninterrupted
   * one would draw, and gives each worker of a data-parallel job its own masks.
   */
  position(key: string): void {
    this.key = key;
    this.calls = 0;
  }

  /**
   * Inverted-dropout multiplier of `shape`: 0 with probability `rate`, else exactly fround(1/(1−rate)) (torch's mask
   * after `div_(1 − p)`), so surviving values are scaled by the same float32 factor torch uses.
   *
   * Drawn in one pass from a counter-based generator (SplitMix32: element i's draw is a 32-bit mix of the call's key
   * plus i times the golden ratio), keyed by seedrandom's hash of (seed, position, call). Unlike a sequential generator
   * (tfjs's randomUniform runs alea, whose carry chain costs ~7 ns a draw, a sixth of an mlp training step), no draw
   * waits for the one before, and one pass saves the three kernels and two tensors of uniform → compare → scale.
   */
  nextKeepMultiplier(shape: number[], rate: number): tf.Tensor {
    const key = seedrandom.alea(String(this.nextCallSeed() ?? Math.random())).int32();
    const dropBelow = rate * 2 ** 32; // dropped iff the draw, uniform on [0, 2^32), is below: P = rate to 2^-32
    const scale = Math.fround(1 / (1 - rate));
    if (tf.getKernel(keepMaskKernelName, tf.getBackend()) !== undefined) {
      // The same mask drawn on the backend itself (core's native path): no JS loop, no upload.
      return tf.engine().runKernel(keepMaskKernelName, {}, { shape, key, keepFrom: Math.ceil(dropBelow), scale }) as tf.Tensor;
    }
    return tf.tensor(fillKeepMultiplier(new Float32Array(shape.reduce((n, d) => n * d, 1)), key, dropBelow, scale), shape, 'float32');
  }

  /** The seed of the next draw, (seed, key, call within the key); undefined without a seed. */
  private nextCallSeed(): string | undefined {
    const callSeed = this.seed === undefined ? undefined : `${this.seed}/${this.key ? `${this.key}/` : ''}${this.calls}`;
    this.calls++;
    return callSeed;
  }
}

/**
 * mask[i] = scale when element i's SplitMix32 draw is ≥ dropBelow, else 0. Branch-free (scale times the comparison):
 * the drop decision is random, so a branch on it mispredicts about rate of the time, which made the loop twice as slow.
 */
function fillKeepMultiplier(mask: Float32Array, key: number, dropBelow: number, scale: number): Float32Array {
  const n = mask.length;
  for (let i = 0; i < n; i++) {
    let z = (key + Math.imul(i + 1, 0x9e3779b9)) | 0;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    z ^= z >>> 16;
    mask[i] = scale * Number(z >>> 0 >= dropBelow);
  }
  return mask;
}

/** Validates a drop probability: a finite number in [0, 1). `what` names the option in the error. */
export function checkRate(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value >= 1) {
    throw new Error(`${what}: expected a drop probability in [0, 1), got ${String(value)}`);
  }
  return value;
}

/** Validates an optional seed: a finite number. */
export function checkSeed(value: unknown, what: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new Error(`${what}: expected a finite number, got ${String(value)}`);
  }
  return value;
}

/** True when a tfjs-layers call's kwargs ask for training behaviour. */
export function isTraining(kwargs: Record<string, unknown> | undefined): boolean {
  return kwargs?.['training'] === true;
}

/**
 * Positions the mask stream of every seeded dropout-style layer of a model (Dropout, SpatialDropout2D,
 * DropConnectDense) at `key`; see {@link SeedStream.position}. A data-parallel worker calls it before each step with
 * its rank and the step number.
 *
 * @example
 * positionMaskStreams(model, `${rank}/${step}`);
 * const { grads } = trainer.computeGradients(x, labels);
 */
export function positionMaskStreams(model: { layers: unknown[] }, key: string): void {
  for (const layer of model.layers) {
    const stream = (layer as { maskStream?: unknown }).maskStream;
    if (stream instanceof SeedStream) stream.position(key);
  }
}
