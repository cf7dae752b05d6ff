// ReLU's gradient in one kernel. tfjs computes it as dy · cast(step(x)): a Step pass, a cast and a multiply, about a
// third of a ReLU-after-BN layer's time in a convnet step. The addon's kMulStep makes the same product in one sweep.
// tfjs looks gradients up by kernel name in one global registry, so the native path registers a Relu gradient that
// takes our kernel where the active backend has it and tfjs's own formula everywhere else, and restores tfjs's on
// uninstall.
import * as tf from '@tensorflow/tfjs';
import { mulStepOpCode } from './elementwise.js';
import { type KernelArgs, type KernelFunc, type NativeKernels, nativeCase, onHeap } from './heap.js';

/** dx = dy · step(x) for same-shape float32 dy and x. */
export const reluGradKernelName = 'TensorfleetReluGrad';

export function makeReluGrad(native: NativeKernels): KernelFunc {
  return ({ inputs, backend }: KernelArgs) => {
    const { dy, x } = inputs;
    const n = dy!.shape.reduce((a, b) => a * b, 1);
    if (!nativeCase(dy, x) || x!.shape.join() !== dy!.shape.join()) throw new Error(`${reluGradKernelName}: expected float32 dy and x of one shape`);
    return onHeap(backend, dy!.shape, [dy, x], (heap, out, [d, xo]) => native.binary(heap, mulStepOpCode, d!, 1, n, xo!, 1, n, out, n));
  };
}

let tfjsReluGradient: tf.GradConfig | undefined;

/** Puts our Relu gradient in tfjs's registry (idempotent); tfjs's stays its fallback. */
export function installReluGradient(): void {
  if (tfjsReluGradient) return;
  const original = tf.getGradient('Relu');
  if (!original) throw new Error('installReluGradient: tfjs has no Relu gradient registered');
  tfjsReluGradient = original;
  tf.registerGradient({
    kernelName: 'Relu',
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const d = dy as tf.Tensor;
      const [x] = saved;
      if (tf.getKernel(reluGradKernelName, tf.getBackend()) === undefined || d.dtype !== 'float32' || x!.dtype !== 'float32') {
        return original.gradFunc(dy, saved, attrs);
      }
      return { x: () => tf.engine().runKernel(reluGradKernelName, { dy: d, x: x! } as never, {}) as tf.Tensor };
    },
  });
}

/** Restores tfjs's Relu gradient (no-op when ours is not installed). */
export function uninstallReluGradient(): void {
  if (!tfjsReluGradient) return;
  tf.registerGradient(tfjsReluGradient);
  tfjsReluGradient = undefined;
}
