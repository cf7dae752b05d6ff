// BatchNorm's training passes as kernels of their own on the wasm heap (see the addon's batch-norm.cc): the layer
// (layers/batch-norm-passes.ts) uses them when the active backend has them, else its composed ops.
import { fusedBatchNormKernels } from '../../layers/batch-norm-passes.js';
import { type KernelArgs, type KernelFunc, type NativeKernels, nativeCase, onHeapOutputs } from './heap.js';

/** [rows, channels] of the 2-D activation a BatchNorm pass reads (the layer reshapes to it). */
function matrixOf(args: KernelArgs, name: string): [number, number] {
  const x = args.inputs['x']!;
  if (x.shape.length !== 2) throw new Error(`${name}: expected a [rows, channels] input, got [${x.shape.join(', ')}]`);
  if (!nativeCase(...Object.values(args.inputs))) throw new Error(`${name}: expected non-empty float32 inputs`);
  return [x.shape[0]!, x.shape[1]!];
}

/** The kernels, by name, that only the addon provides (nothing to fall back to: the layer checks they exist). */
export function makeBatchNormKernels(native: NativeKernels): Record<string, KernelFunc> {
  const k = fusedBatchNormKernels;
  return {
    [k.moments]: (args) => {
      const [rows, channels] = matrixOf(args, k.moments);
      return onHeapOutputs(args.backend, [[channels], [channels]], [args.inputs['x']], (heap, [mean, variance], [x]) =>
        native.channelMoments(heap, x!, rows, channels, mean!, variance!),
      );
    },
    [k.affine]: (args) => {
      const [rows, channels] = matrixOf(args, k.affine);
      const { x, alpha, shift } = args.inputs;
      return onHeapOutputs(args.backend, [[rows, channels]], [x, alpha, shift], (heap, [y], [xo, ao, so]) =>
        native.channelAffine(heap, xo!, rows, channels, ao!, so!, y!),
      )[0]!;
    },
    [k.gradSums]: (args) => {
      const [rows, channels] = matrixOf(args, k.gradSums);
      const { dy, x, mean, invStd } = args.inputs;
      return onHeapOutputs(args.backend, [[channels], [channels]], [dy, x, mean, invStd], (heap, [sumDy, sumDyXhat], [d, xo, m, s]) =>
        native.batchNormGradSums(heap, d!, xo!, rows, channels, m!, s!, sumDy!, sumDyXhat!),
      );
    },
    [k.gradInput]: (args) => {
      const [rows, channels] = matrixOf(args, k.gradInput);
      const { dy, x, mean, invStd, alpha, meanDy, meanDyXhat } = args.inputs;
      return onHeapOutputs(args.backend, [[rows, channels]], [dy, x, mean, invStd, alpha, meanDy, meanDyXhat], (heap, [dx], [d, xo, m, s, a, m1, m2]) =>
        native.batchNormGradInput(heap, d!, xo!, rows, channels, m!, s!, a!, m1!, m2!, dx!),
      )[0]!;
    },
  };
}
