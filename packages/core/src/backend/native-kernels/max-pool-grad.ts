// MaxPoolGrad in the addon (one C pass, all channels of a pixel at once) instead of core's JS heap loop.
import * as tf from '@tensorflow/tfjs';
import { assertShape } from '../wasm-kernels/conv-geometry.js';
import { type KernelArgs, type KernelFunc, type NativeKernels, nativeCase, onHeap } from './heap.js';

/** Same semantics as core's wasm MaxPoolGrad (first maximum in scan order, strict >); dimRoundingMode goes to `fallback`. */
export function makeMaxPoolGrad(native: NativeKernels, fallback: KernelFunc): KernelFunc {
  return (args: KernelArgs) => {
    const { inputs, backend, attrs = {} } = args;
    const dy = inputs['dy']!;
    const x = inputs['input']!;
    if (attrs['dimRoundingMode'] != null || !nativeCase(x, dy)) return fallback(args);
    const p = tf.backend_util.computePool2DInfo(
      x.shape as [number, number, number, number],
      attrs['filterSize'] as [number, number] | number,
      attrs['strides'] as [number, number] | number,
      1,
      attrs['pad'] as 'valid' | 'same' | number,
    );
    assertShape('MaxPoolGrad', 'dy', dy.shape, p.outShape);
    const geometry = Int32Array.of(
      p.batchSize, p.inHeight, p.inWidth, p.inChannels, p.outHeight, p.outWidth, p.inChannels, p.filterHeight, p.filterWidth,
      p.strideHeight, p.strideWidth, 1, 1, p.padInfo.top, p.padInfo.left,
    );
    return onHeap(backend, x.shape, [x, dy], (heap, out, [xo, dyo]) => native.maxPoolGrad(heap, geometry, xo!, dyo!, out));
  };
}
