import * as tf from '@tensorflow/tfjs';

/** The callback tf.customGrad hands the forward pass: the tensors given are cloned and kept for the backward pass. */
export type GradSave = (tensors: tf.Tensor[]) => void;

/** A custom op's forward pass: its value, and the gradients of its inputs (in order) from dy and the saved tensors. */
export type CustomOpForward = (
  inputs: tf.Tensor[],
  save: GradSave,
) => { value: tf.Tensor; gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor | tf.Tensor[] };

/**
 * tf.customGrad with the inputs as one array: one taped op whose inner kernels run untaped.
 *
 * Why custom ops at all: under a gradient tape every tfjs op costs a kernel dispatch, a tape record and a clone (an
 * Identity kernel) of each tensor its gradient needs, and a small training step is mostly that overhead. A custom op
 * records once, saves only what its backward pass reads, and computes that backward pass in the fewest kernels.
 * Two rules: tensors made inside the forward pass (and inputs the tape will have disposed, i.e. intermediates) must be
 * saved to be read in gradFunc; a tensor that needs no gradient can be captured instead of passed as an input, and
 * then none is computed for it (tfjs computes a custom op's gradients eagerly, for every input).
 *
 * @example
 * const square = customOp(([x], save) => {
 *   save([x]);
 *   return { value: tf.mul(x, x), gradFunc: (dy, [xs]) => tf.mul(dy, tf.mul(xs, 2)) };
 * });
 * tf.grad((x) => square(x))(tf.scalar(3)); // 6
 */
export function customOp(forward: CustomOpForward): (...inputs: tf.Tensor[]) => tf.Tensor {
  const op = tf.customGrad(((...args: unknown[]) => forward(args.slice(0, -1) as tf.Tensor[], args[args.length - 1] as GradSave)) as never);
  return op as unknown as (...inputs: tf.Tensor[]) => tf.Tensor;
}
