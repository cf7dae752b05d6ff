// SeedStream's dropout masks drawn by the addon straight into the wasm heap (see keep-mask.cc): the same bits as the
// JS loop, without the loop or the upload.
import { type KernelArgs, type KernelFunc, type NativeKernels, onHeap } from './heap.js';

export function makeKeepMask(native: NativeKernels): KernelFunc {
  return ({ backend, attrs = {} }: KernelArgs) => {
    const shape = attrs['shape'] as number[];
    const n = shape.reduce((a, b) => a * b, 1);
    return onHeap(backend, shape, [], (heap, out) =>
      native.keepMask(heap, out, n, attrs['key'] as number, attrs['keepFrom'] as number, attrs['scale'] as number),
    );
  };
}
