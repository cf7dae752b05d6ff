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
    const { strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw } = p;
    if (fh === 2 && fw === 2 && sh === 2 && sw === 2 && p.padInfo.top === 0 && p.padInfo.left === 0 && p.inHeight === 2 * p.outHeight && p.inWidth === 2 * p.outWidth) {
      tiled2x2(xv, dyv, dx, p.batchSize * p.outHeight, p.outWidth, p.inChannels);
    } else {
      dx.fill(0);
      scatterToFirstMax(xv, dyv, dx, p);
    }
    return out;
  };
}

/**
 * The common 2×2/2 pool over an evenly divisible map: every input element is in exactly one window, so each
 * window writes all four of its dx entries (no zero fill) with the taps at fixed offsets.
 */
function tiled2x2(xv: Float32Array, dyv: Float32Array, dx: Float32Array, rowPairs: number, ow: number, c: number): void {
  const rowStride = 2 * ow * c;
  let dyIndex = 0;
  for (let rp = 0; rp < rowPairs; rp++) {
    for (let q = 0, base = rp * 2 * rowStride; q < ow; q++, base += 2 * c) {
      for (let k = 0; k < c; k++, dyIndex++) {
        const i0 = base + k;
        const i1 = i0 + c;
        const i2 = i0 + rowStride;
        const i3 = i2 + c;
        // Strict > in scan order: the first maximum wins; NaN never does (all four stay 0 then, as in tfjs cpu).
        let at = -1;
        let best = -Infinity;
        const v0 = xv[i0]!;
        if (v0 > best) { best = v0; at = i0; }
        const v1 = xv[i1]!;
        if (v1 > best) { best = v1; at = i1; }
        const v2 = xv[i2]!;
        if (v2 > best) { best = v2; at = i2; }
        const v3 = xv[i3]!;
        if (v3 > best) { at = i3; }
        const g = dyv[dyIndex]!;
        dx[i0] = at === i0 ? g : 0;
        dx[i1] = at === i1 ? g : 0;
        dx[i2] = at === i2 ? g : 0;
        dx[i3] = at === i3 ? g : 0;
      }
    }
  }
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
