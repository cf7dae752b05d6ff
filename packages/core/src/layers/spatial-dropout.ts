import * as tf from '@tensorflow/tfjs';

import { type CallKwargs, CLASS_PREFIX } from './layer-args.js';
import type { DropoutArgs } from './dropout.js';
import { checkRate, checkSeed, isTraining, SeedStream } from './seed-stream.js';

/** Options of {@link SpatialDropout2D}: the same as dropout's. */
export type SpatialDropout2DArgs = DropoutArgs;

/**
 * Spatial dropout for NHWC feature maps (torch `nn.Dropout2d`): in training, each (sample, channel) feature map is
 * zeroed as a whole with probability `rate` and surviving maps are scaled by 1/(1−rate); identity at inference.
 * Neighbouring pixels of a map are strongly correlated, so dropping single pixels regularizes little — dropping whole
 * channels does. The lecture's guidance: a small rate (≈ 0.05) after conv/pool blocks. Inputs must be rank 4, NHWC.
 *
 * @example
 * ```ts
 * const model = tf.sequential({ layers: [
 *   tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 16, kernelSize: 3, activation: 'relu' }),
 *   tf.layers.maxPooling2d({ poolSize: 2 }),
 *   spatialDropout2d({ rate: 0.05 }),
 * ] });
 * ```
 */
export class SpatialDropout2D extends tf.layers.Layer {
  static className = `${CLASS_PREFIX}SpatialDropout2D`;
  readonly rate: number;
  readonly seed: number | undefined;
  /** Where this layer's masks come from; {@link positionMaskStreams} moves it. */
  readonly maskStream: SeedStream;

  constructor(args: SpatialDropout2DArgs) {
    super(args);
    this.rate = checkRate(args?.rate, 'spatialDropout2d rate');
    this.seed = checkSeed(args.seed, 'spatialDropout2d seed');
    this.maskStream = new SeedStream(this.seed);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: CallKwargs): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    if (x.rank !== 4) {
      throw new Error(`spatialDropout2d: expected an NHWC input of rank 4, got shape [${x.shape.join(', ')}]`);
    }
    if (!isTraining(kwargs) || this.rate === 0) return x.clone();
    const [n, , , c] = x.shape as [number, number, number, number];
    // One draw per (sample, channel), broadcast over height and width.
    return tf.tidy(() => tf.mul(x, this.maskStream.nextKeepMultiplier([n, 1, 1, c], this.rate)));
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  override getConfig(): tf.serialization.ConfigDict {
    const config: tf.serialization.ConfigDict = { rate: this.rate };
    if (this.seed !== undefined) config['seed'] = this.seed;
    return { ...super.getConfig(), ...config };
  }
}
tf.serialization.registerClass(SpatialDropout2D);

/**
 * Creates a {@link SpatialDropout2D} layer.
 * @example
 * ```ts
 * const y = spatialDropout2d({ rate: 0.05, seed: 3 }).apply(featureMaps, { training: true });
 * ```
 */
export function spatialDropout2d(args: SpatialDropout2DArgs): SpatialDropout2D {
  return new SpatialDropout2D(args);
}
