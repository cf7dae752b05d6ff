// dx of max pooling (tfjs kernel MaxPoolGrad). wasm's own is a C loop costing ~50× its forward pass. The
// obvious composite, MaxPoolWithArgmax + ScatterNd, is wrong in tfjs 4.22 (its argmax is 0 for windows whose
// maximum is negative, and it picks the last of tied maxima), and one from per-tap strided slices is slower
// still (wasm's strided StridedSlice is ~70 ms on a 64×28×28×16 map). So this one is a single pass over the
// wasm heap: pure data movement (a compare and an add per element), which the JIT runs at a few ms per step.
import * as tf from '@tensorflow/tfjs';
import { assertShape } from './conv-geometry.js';
import type { HeapBackend, KernelFunc, TensorInfo } from './kernel-calls.js';

const NAME = 'MaxPoolGrad';

/**
 * dx = dy added at each window's first maximum in scan order (row by row, strict >, so NaN and −∞ never win;
 * overlapping windows add up), exactly tfjs's cpu kernel and PyTorch. Falls back to `original` for dilated
 * pools and a dimRoundingMode.
 */
export function makeMaxPoolGrad(original: KernelFunc | undefined) {
  return function maxPoolGrad(args: { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs?: tf.NamedAttrMap }): TensorInfo {
    const { inputs, attrs = {} } = args;
    const backend = args.backend as HeapBackend;
    const dy = inputs['dy']!;
    const x = inputs['input']!;
    const p = tf.backend_util.computePool2DInfo(
      x.shape as [number, number, number, number],
      attrs['filterSize'] as [number, number] | number,
      attrs['strides'] as [number, number] | number,
      1,
      attrs['pad'] as 'valid' | 'same' | number,
      attrs['dimRoundingMode'] as 'floor' | 'round' | 'ceil' | undefined,
    );
    if ((p.dilationHeight !== 1 || p.dilationWidth !== 1 || attrs['dimRoundingMode'] != null) && original !== undefined) {
      return original(args as Parameters<KernelFunc>[0]) as TensorInfo;
    }
    assertShape(NAME, 'dy', dy.shape, p.outShape);
    if (x.dtype !== 'float32' || dy.dtype !== 'float32') throw new Error(`${NAME} on wasm: float32 tensors expected, got ${x.dtype}/${dy.dtype}`);
    // Allocate first: a heap growth would detach views taken earlier.
    const out = backend.makeOutput(x.shape, 'float32');
    const dx = backend.typedArrayFromHeap(out) as Float32Array;
    const xv = backend.typedArrayFromHeap(x) as Float32Array;
    const dyv = backend.typedArrayFromHeap(dy) as Float32Array;
    dx.fill(0);
    scatterToFirstMax(xv, dyv, dx, p);
    return out;
  };
}

function scatterToFirstMax(xv: Float32Array, dyv: Float32Array, dx: Float32Array, p: ReturnType<typeof tf.backend_util.computePool2DInfo>): void {
  const { batchSize, inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow } = p;
  const { strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw } = p;
  const pt = p.padInfo.top;
  const pl = p.padInfo.left;
  const rowStride = w * c;
  let dyIndex = 0;
  for (let b = 0; b < batchSize; b++) {
    const batchBase = b * h * rowStride;
    for (let r = 0; r < oh; r++) {
      const r0 = Math.max(0, r * sh - pt);
      const r1 = Math.min(h, r * sh - pt + fh);
      for (let q = 0; q < ow; q++) {
        const q0 = Math.max(0, q * sw - pl);
        const q1 = Math.min(w, q * sw - pl + fw);
        const windowBase = batchBase + r0 * rowStride + q0 * c;
        // Channel outermost within the window: the window's fh·fw·c floats stay in cache, and the running
        // maximum lives in registers.
        for (let k = 0; k < c; k++, dyIndex++) {
          let best = -Infinity;
          let at = -1;
          for (let y = r0, rowBase = windowBase + k; y < r1; y++, rowBase += rowStride) {
            for (let x = q0, i = rowBase; x < q1; x++, i += c) {
              const v = xv[i]!;
              if (v > best) {
                best = v;
                at = i;
              }
            }
          }
          if (at >= 0) dx[at] = dx[at]! + dyv[dyIndex]!;
        }
      }
    }
  }
}
