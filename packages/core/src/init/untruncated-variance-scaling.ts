import * as tf from '@tensorflow/tfjs';
import { computeFans } from './fans.js';

/** tfjs' abstract Initializer type (not exported by name from '@tensorflow/tfjs'). */
export type Initializer = ReturnType<typeof tf.initializers.ones>;

// tfjs-layers accepts a kernelInitializer object only if it is `instanceof` its own Initializer class, which the
// package root does not export; take it from the loaded tfjs so we extend the very class tfjs checks against.
const InitializerBase = Object.getPrototypeOf(tf.initializers.ones().constructor) as abstract new () => Initializer;

/** Which fan the variance is scaled by; 'fanAvg' is (fanIn + fanOut)/2 (Xavier/Glorot). */
export type FanMode = 'fanIn' | 'fanOut' | 'fanAvg';

/** Config of {@link UntruncatedVarianceScaling}. */
export interface UntruncatedVarianceScalingArgs {
  /** Variance numerator: std = √(scale / fan), i.e. scale = gain². */
  scale: number;
  mode: FanMode;
  seed?: number;
}

/**
 * Normal initializer with std = √(scale / fan), NOT truncated — what torch's `xavier_normal_` and `kaiming_normal_`
 * draw. tfjs 4.22's `varianceScaling({distribution: 'normal'})` (and so `glorotNormal`, `heNormal`) samples a normal
 * truncated at ±2σ with σ = √(scale/fan) and no correction, so its actual std is ≈ 0.88·σ (Keras corrects σ by
 * 1/0.8796; tfjs does not). Serializable as 'UntruncatedVarianceScaling'.
 *
 * @example
 * ```ts
 * tf.layers.dense({ units: 64, kernelInitializer: new UntruncatedVarianceScaling({ scale: 2, mode: 'fanIn' }) });
 * ```
 */
export class UntruncatedVarianceScaling extends InitializerBase {
  static className = 'UntruncatedVarianceScaling';
  readonly scale: number;
  readonly mode: FanMode;
  readonly seed: number | undefined;

  constructor(args: UntruncatedVarianceScalingArgs) {
    super();
    if (typeof args?.scale !== 'number' || !(args.scale > 0) || !Number.isFinite(args.scale)) {
      throw new Error(`UntruncatedVarianceScaling: scale must be a finite number > 0, got ${String(args?.scale)}`);
    }
    if (!['fanIn', 'fanOut', 'fanAvg'].includes(args.mode)) {
      throw new Error(`UntruncatedVarianceScaling: mode must be 'fanIn', 'fanOut' or 'fanAvg', got ${JSON.stringify(args.mode)}`);
    }
    this.scale = args.scale;
    this.mode = args.mode;
    this.seed = args.seed;
  }

  apply(shape: number[], dtype: tf.DataType = 'float32'): tf.Tensor {
    if (dtype !== 'float32') {
      throw new Error(`UntruncatedVarianceScaling: only float32 weights are supported, got ${dtype}`);
    }
    const { fanIn, fanOut } = computeFans(shape);
    const fan = this.mode === 'fanIn' ? fanIn : this.mode === 'fanOut' ? fanOut : (fanIn + fanOut) / 2;
    // max(1, ·) as tfjs' own VarianceScaling does, so a degenerate shape gives a finite std instead of Infinity.
    return tf.randomNormal(shape, 0, Math.sqrt(this.scale / Math.max(1, fan)), 'float32', this.seed);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { scale: this.scale, mode: this.mode, seed: this.seed ?? null };
  }

  static fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    return new cls({ scale: config['scale'], mode: config['mode'], seed: config['seed'] ?? undefined });
  }
}
tf.serialization.registerClass(UntruncatedVarianceScaling);
