import * as tf from '@tensorflow/tfjs';

/** tfjs-layers' Dense options (its class is not exported, only the factory). */
export type DenseArgs = Parameters<typeof tf.layers.dense>[0];
type DenseLayer = ReturnType<typeof tf.layers.dense>;

/** The Dense fields tfjs-layers declares private, which this subclass reads. */
interface DenseInternals {
  kernel: { read(): tf.Tensor };
  bias: { read(): tf.Tensor } | null;
  activation: { apply(x: tf.Tensor): tf.Tensor };
}

// tfjs-layers exports the Dense factory, not the class: take the class from an instance.
const DenseClass = tf.layers.dense({ units: 1 }).constructor as new (args: DenseArgs) => DenseLayer;

/**
 * tfjs-layers' Dense for a layer whose input needs no gradient, typically the first layer after the data. Its output
 * is the one Dense computes, from an unfused matMul and bias add.
 *
 * Why: under a gradient tape, Dense with a linear activation (the presets put BN or an Activation layer after it)
 * runs tfjs's fused matMul, whose backward pass computes its input's gradient whether or not anything needs it. The
 * tape leaves out gradients nobody asked for only for ops with registered gradients, so the unfused ops skip a
 * [batch, units] × [units, inputs] product that nothing reads: for the mlp preset's 784 → 256 first layer, 26 MFLOP
 * of its step's ~90.
 *
 * It serializes as a plain `Dense` (same class name, config and weights), so saved models load anywhere.
 * @example
 * const first = inputDense({ units: 256, inputShape: [784] });
 * const model = tf.sequential({ layers: [first, tf.layers.activation({ activation: 'relu' }), tf.layers.dense({ units: 10 })] });
 */
export class InputDense extends DenseClass {
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    if (x.rank !== 2) return super.call(inputs, kwargs) as tf.Tensor; // Dense's own reshaping for rank > 2
    return tf.tidy(() => {
      this.invokeCallHook(inputs, kwargs);
      const { kernel, bias, activation } = this as unknown as DenseInternals;
      const product = tf.matMul(x as tf.Tensor2D, kernel.read() as tf.Tensor2D);
      return activation.apply(bias ? tf.add(product, bias.read()) : product);
    });
  }
}

/** Creates an {@link InputDense} layer (tfjs-layers' Dense options). */
export function inputDense(args: DenseArgs): InputDense {
  return new InputDense(args);
}
