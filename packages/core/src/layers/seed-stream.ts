import * as tf from '@tensorflow/tfjs';
import seedrandom from 'seedrandom';

/**
 * Draws the keep-masks of one dropout-style layer. With a seed, the n-th training call of every layer built with that
 * seed uses the same mask (reproducible runs); without one, masks come from tfjs's global random source.
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

  /** A [0, 1) uniform tensor of `shape` for the next training call: tfjs's `randomUniform` on the next call seed. */
  nextUniform(shape: number[]): tf.Tensor {
    return tf.randomUniform(shape, 0, 1, 'float32', this.nextCallSeed());
  }

  /**
   * Inverted-dropout multiplier of `shape`: 0 with probability `rate`, else exactly fround(1/(1−rate)) (torch's mask
   * after `div_(1 − p)`), so surviving values are scaled by the same float32 factor torch uses.
   *
   * The very mask `greaterEqual(nextUniform(shape), rate)` would give, drawn in one pass: tfjs's randomUniform is the
   * same alea generator (seedrandom) storing float32 draws, and drawing here saves three kernels and two temporary
   * tensors per dropout layer and step (about a tenth of an mlp training step).
   */
  nextKeepMultiplier(shape: number[], rate: number): tf.Tensor {
    const random = seedrandom.alea(String(this.nextCallSeed() ?? Math.random()));
    const threshold = Math.fround(rate);
    const scale = Math.fround(1 / (1 - rate));
    const mask = new Float32Array(shape.reduce((n, d) => n * d, 1));
    for (let i = 0; i < mask.length; i++) mask[i] = Math.fround(random()) >= threshold ? scale : 0;
    return tf.tensor(mask, shape, 'float32');
  }

  /** The seed of the next draw, (seed, key, call within the key); undefined without a seed. */
  private nextCallSeed(): string | undefined {
    const callSeed = this.seed === undefined ? undefined : `${this.seed}/${this.key ? `${this.key}/` : ''}${this.calls}`;
    this.calls++;
    return callSeed;
  }
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
