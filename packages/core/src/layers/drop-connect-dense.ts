import * as tf from '@tensorflow/tfjs';

import { type CallKwargs, CLASS_PREFIX, type LayerArgs } from './layer-args.js';
import { checkRate, checkSeed, isTraining, SeedStream } from './seed-stream.js';
import {
  type ActivationIdentifier,
  type Initializer,
  type Regularizer,
  resolveInitializer,
  resolveRegularizer,
  type SerializableOption,
  toKerasObject,
} from './serializable-options.js';

/** Options of {@link DropConnectDense}. */
export interface DropConnectDenseArgs extends LayerArgs {
  /** Output size. */
  units: number;
  /** Probability of dropping each kernel entry during training, in [0, 1). */
  dropRate: number;
  /** tfjs activation name; default 'linear'. */
  activation?: ActivationIdentifier;
  /** Default true. The bias is never dropped. */
  useBias?: boolean;
  /** Default 'glorotUniform' (as tfjs Dense). */
  kernelInitializer?: SerializableOption<Initializer>;
  /** Default 'zeros'. */
  biasInitializer?: SerializableOption<Initializer>;
  kernelRegularizer?: SerializableOption<Regularizer>;
  /** Makes the sequence of kernel masks reproducible (see {@link Dropout}). */
  seed?: number;
}

/**
 * A fully connected layer with DropConnect (Wan et al., 2013): during training each entry of the kernel is dropped
 * with probability `dropRate` and the surviving entries are scaled by 1/(1−dropRate) (inverted, like dropout), so
 * y = act(x·(M⊙W)/(1−p) + b). Weights are dropped, not activations; the bias is kept.
 *
 * Simplifications, both common in practice: one mask is drawn per training call and shared by the whole batch (Wan et
 * al. draw one per example), and inference uses the full weights, y = act(x·W + b), instead of the paper's
 * moment-matched Gaussian sampling at test time. Like dropout, keep it between hidden FC layers, never on the output
 * layer.
 *
 * @example
 * ```ts
 * const model = tf.sequential({ layers: [
 *   tf.layers.flatten({ inputShape: [28, 28, 1] }),
 *   dropConnectDense({ units: 128, dropRate: 0.5, activation: 'relu', seed: 7 }),
 *   tf.layers.dense({ units: 10, activation: 'softmax' }),
 * ] });
 * ```
 */
export class DropConnectDense extends tf.layers.Layer {
  static className = `${CLASS_PREFIX}DropConnectDense`;
  readonly units: number;
  readonly dropRate: number;
  readonly activation: ActivationIdentifier;
  readonly useBias: boolean;
  readonly seed: number | undefined;
  private readonly kernelInitializer: Initializer;
  private readonly biasInitializer: Initializer;
  private readonly kernelRegularizer: Regularizer | undefined;
  private readonly activationLayer: tf.layers.Layer;
  /** Where this layer's masks come from; {@link positionMaskStreams} moves it. */
  readonly maskStream: SeedStream;
  private kernel: tf.LayerVariable | undefined;
  private bias: tf.LayerVariable | undefined;

  constructor(args: DropConnectDenseArgs) {
    super(args);
    if (!Number.isInteger(args?.units) || args.units < 1) {
      throw new Error(`dropConnectDense units: expected a positive integer, got ${String(args?.units)}`);
    }
    this.units = args.units;
    this.dropRate = checkRate(args.dropRate, 'dropConnectDense dropRate');
    this.activation = args.activation ?? 'linear';
    this.activationLayer = tf.layers.activation({ activation: this.activation });
    this.useBias = args.useBias ?? true;
    this.seed = checkSeed(args.seed, 'dropConnectDense seed');
    this.kernelInitializer = resolveInitializer(args.kernelInitializer ?? 'glorotUniform', 'dropConnectDense kernelInitializer');
    this.biasInitializer = resolveInitializer(args.biasInitializer ?? 'zeros', 'dropConnectDense biasInitializer');
    this.kernelRegularizer = resolveRegularizer(args.kernelRegularizer, 'dropConnectDense kernelRegularizer');
    this.maskStream = new SeedStream(this.seed);
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const inputDim = shape[shape.length - 1];
    if (shape.length < 2 || typeof inputDim !== 'number') {
      throw new Error(`dropConnectDense: expected an input of rank >= 2 with a known last dimension, got [${shape.join(', ')}]`);
    }
    this.kernel = this.addWeight('kernel', [inputDim, this.units], 'float32', this.kernelInitializer, this.kernelRegularizer, true);
    if (this.useBias) this.bias = this.addWeight('bias', [this.units], 'float32', this.biasInitializer, undefined, true);
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: CallKwargs): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    return tf.tidy(() => {
      let kernel = this.kernel!.read();
      if (isTraining(kwargs) && this.dropRate > 0) {
        kernel = tf.mul(kernel, this.maskStream.nextKeepMultiplier(kernel.shape, this.dropRate));
      }
      const inputDim = kernel.shape[0]!;
      const flat = x.rank === 2 ? x : tf.reshape(x, [-1, inputDim]);
      let y: tf.Tensor = tf.matMul(flat as tf.Tensor2D, kernel as tf.Tensor2D);
      if (this.bias) y = tf.add(y, this.bias.read());
      if (x.rank !== 2) y = tf.reshape(y, [...x.shape.slice(0, -1), this.units]);
      return this.activationLayer.apply(y) as tf.Tensor;
    });
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    return [...shape.slice(0, -1), this.units];
  }

  override getConfig(): tf.serialization.ConfigDict {
    const config: tf.serialization.ConfigDict = {
      units: this.units,
      dropRate: this.dropRate,
      activation: this.activation,
      useBias: this.useBias,
      kernelInitializer: toKerasObject(this.kernelInitializer),
      biasInitializer: toKerasObject(this.biasInitializer),
    };
    if (this.kernelRegularizer) config['kernelRegularizer'] = toKerasObject(this.kernelRegularizer);
    if (this.seed !== undefined) config['seed'] = this.seed;
    return { ...super.getConfig(), ...config };
  }
}
tf.serialization.registerClass(DropConnectDense);

/**
 * Creates a {@link DropConnectDense} layer.
 * @example
 * ```ts
 * const hidden = dropConnectDense({ units: 256, dropRate: 0.5, activation: 'relu' });
 * ```
 */
export function dropConnectDense(args: DropConnectDenseArgs): DropConnectDense {
  return new DropConnectDense(args);
}
