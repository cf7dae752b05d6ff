import * as tf from '@tensorflow/tfjs';

/** tfjs-layers' Conv2D options (its class is not exported, only the factory). */
export type Conv2DArgs = Parameters<typeof tf.layers.conv2d>[0];
type Conv2DLayer = ReturnType<typeof tf.layers.conv2d>;

/** {@link leanConv2d}'s options: Conv2D's, and whether anything needs the gradient of the layer's input. */
export type LeanConv2DArgs = Conv2DArgs & {
  /** false for a layer whose input is the data (no weighted layer before it): its gradient is never computed. */
  inputGradient?: boolean;
};

/** The Conv2D fields tfjs-layers declares private or protected, which this subclass reads. */
interface Conv2DInternals {
  kernel: { read(): tf.Tensor };
  bias: { read(): tf.Tensor } | null;
  activation: { apply(x: tf.Tensor): tf.Tensor };
  strides: [number, number];
  padding: string;
  dataFormat: string;
  dilationRate: [number, number];
}

// tfjs-layers exports the Conv2D factory, not the class: take the class from an instance.
const Conv2DClass = tf.layers.conv2d({ filters: 1, kernelSize: 1 }).constructor as new (args: Conv2DArgs) => Conv2DLayer;

/**
 * tfjs-layers' Conv2D that, for a layer right after the data (`inputGradient: false`), never computes its input's
 * gradient. Other layers (and channelsFirst or causal cases) take Conv2D's own path.
 *
 * Why: Conv2D runs tfjs's fused conv2d, a custom-gradient op, and tfjs computes a custom op's gradients eagerly for
 * every input, needed or not. For the first layer that gradient (a full Conv2DBackpropInput over the input images)
 * was a tenth of the mnist-small-cnn training step. The unfused conv2d's registered gradient is evaluated per input,
 * and the tape skips the data's.
 *
 * It serializes as a plain `Conv2D` (same class name, config and weights), so saved models load anywhere.
 * @example
 * const first = leanConv2d({ filters: 16, kernelSize: 3, padding: 'same', inputShape: [28, 28, 1], inputGradient: false });
 */
export class LeanConv2D extends Conv2DClass {
  readonly inputGradient: boolean;

  constructor(args: LeanConv2DArgs) {
    const { inputGradient = true, ...conv } = args;
    super(conv);
    this.inputGradient = inputGradient;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    const { kernel, bias, activation, strides, padding, dataFormat, dilationRate } = this as unknown as Conv2DInternals;
    if (this.inputGradient || x.rank !== 4 || dataFormat !== 'channelsLast' || (padding !== 'same' && padding !== 'valid')) {
      return super.call(inputs, kwargs) as tf.Tensor;
    }
    return tf.tidy(() => {
      const y = tf.conv2d(x as tf.Tensor4D, kernel.read() as tf.Tensor4D, strides, padding as 'same' | 'valid', 'NHWC', dilationRate);
      return activation.apply(bias ? tf.add(y, bias.read()) : y);
    });
  }
}

/** Creates a {@link LeanConv2D} layer (tfjs-layers' Conv2D options, and `inputGradient`). */
export function leanConv2d(args: LeanConv2DArgs): LeanConv2D {
  return new LeanConv2D(args);
}
