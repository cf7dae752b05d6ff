import * as tf from '@tensorflow/tfjs';

import { CLASS_PREFIX } from './layer-args.js';
import { Dropout, type DropoutArgs } from './dropout.js';

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
export class SpatialDropout2D extends Dropout {
  static override className = `${CLASS_PREFIX}SpatialDropout2D`;

  constructor(args: SpatialDropout2DArgs) {
    super(args, 'spatialDropout2d');
    this.supportsMasking = false;
  }

  /** One draw per (sample, channel), broadcast over height and width. */
  protected override maskShape(x: tf.Tensor): number[] {
    if (x.rank !== 4) {
      throw new Error(`spatialDropout2d: expected an NHWC input of rank 4, got shape [${x.shape.join(', ')}]`);
    }
    const [n, , , c] = x.shape as [number, number, number, number];
    return [n, 1, 1, c];
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
