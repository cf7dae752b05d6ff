import * as tf from '@tensorflow/tfjs';
import { customOp } from '../ops/custom-op.js';

/** tfjs-layers' Dense options (its class is not exported, only the factory). */
export type DenseArgs = Parameters<typeof tf.layers.dense>[0];
type DenseLayer = ReturnType<typeof tf.layers.dense>;

/** {@link leanDense}'s options: Dense's, and whether anything needs the gradient of the layer's input. */
export type LeanDenseArgs = DenseArgs & {
  /** false for a layer whose input is the data (no weighted layer before it): its gradient is never computed. */
  inputGradient?: boolean;
};

/** The Dense fields tfjs-layers declares private, which this subclass reads. */
interface DenseInternals {
  kernel: { read(): tf.Tensor };
  bias: { read(): tf.Tensor } | null;
  activation: { apply(x: tf.Tensor): tf.Tensor };
}

// tfjs-layers exports the Dense factory, not the class: take the class from an instance.
const DenseClass = tf.layers.dense({ units: 1 }).constructor as new (args: DenseArgs) => DenseLayer;

function denseProduct(x: tf.Tensor2D, kernel: tf.Tensor2D, bias: tf.Tensor | null, inputGradient: boolean): tf.Tensor2D {
  // The op's inputs are the tensors that get a gradient; the data-side input of a first layer is captured instead,
  // so the tape neither asks for its gradient nor computes one.
  const inputs = [...(inputGradient ? [x] : []), kernel, ...(bias ? [bias] : [])];
  const op = customOp((_, save) => {
    save([x]);
    const product = tf.matMul(x, kernel);
    const gradFunc = (dy: tf.Tensor, [xs]: tf.Tensor[]) => [
      ...(inputGradient ? [tf.matMul(dy as tf.Tensor2D, kernel, false, true)] : []),
      tf.matMul(xs as tf.Tensor2D, dy as tf.Tensor2D, true, false),
      ...(bias ? [tf.sum(dy, 0)] : []),
    ];
    return { value: bias ? tf.add(product, bias) : product, gradFunc };
  });
  return op(...inputs) as tf.Tensor2D;
}

/**
 * tfjs-layers' Dense with a leaner training step on rank-2 inputs (see {@link denseProduct}): the same output and
 * weight gradients, fewer kernels under a gradient tape, and no input gradient for a layer right after the data.
 * Inputs of higher rank take Dense's own path.
 *
 * It serializes as a plain `Dense` (same class name, config and weights), so saved models load anywhere.
 * @example
 * const first = leanDense({ units: 256, inputShape: [784], inputGradient: false });
 * const model = tf.sequential({ layers: [first, tf.layers.activation({ activation: 'relu' }), leanDense({ units: 10 })] });
 */
export class LeanDense extends DenseClass {
  readonly inputGradient: boolean;

  constructor(args: LeanDenseArgs) {
    const { inputGradient = true, ...dense } = args;
    super(dense);
    this.inputGradient = inputGradient;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    if (x.rank !== 2) return super.call(inputs, kwargs) as tf.Tensor; // Dense's own reshaping for rank > 2
    return tf.tidy(() => {
      this.invokeCallHook(inputs, kwargs);
      const { kernel, bias, activation } = this as unknown as DenseInternals;
      return activation.apply(denseProduct(x as tf.Tensor2D, kernel.read() as tf.Tensor2D, bias ? bias.read() : null, this.inputGradient));
    });
  }
}

/** Creates a {@link LeanDense} layer (tfjs-layers' Dense options, and `inputGradient`). */
export function leanDense(args: LeanDenseArgs): LeanDense {
  return new LeanDense(args);
}
