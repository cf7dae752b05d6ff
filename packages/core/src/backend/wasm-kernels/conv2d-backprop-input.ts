// dx for a 2-D convolution (tfjs kernel Conv2DBackpropInput). wasm has one, but it is a plain C loop, ~10× slower
// than its XNNPACK forward convolution; this one is that forward convolution.
import * as tf from '@tensorflow/tfjs';
import { assertShape, convGeometry, type ConvGeometry } from './conv-geometry.js';
import { type Scratch, type TensorInfo, withScratch } from './kernel-calls.js';

const NAME = 'Conv2DBackpropInput';

/**
 * dx[i] = Σ_k dyz[i + pt − k·d] · W[k], with dyz = dy with (stride − 1) zeros inserted between entries: a
 * stride-1 convolution of dyz with the spatially flipped filter (in/out channels swapped), dilation d and padding
 * (KH−1)·d − pt on top. Strides > 1 cost s² more multiply-adds than needed, which XNNPACK still wins by far.
 */
export function conv2dBackpropInput(args: { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs?: tf.NamedAttrMap }): TensorInfo {
  const { inputs, backend, attrs = {} } = args;
  const dy = inputs['dy']!;
  const filter = inputs['filter']!;
  const inputShape = attrs['inputShape'] as number[];
  const g = convGeometry(NAME, inputShape, filter.shape, attrs, false);
  assertShape(NAME, 'dy', dy.shape, [g.batch, g.outHeight, g.outWidth, filter.shape[3]!]);
  return withScratch(backend, (s) => {
    const reversed = s.run('Reverse', { x: filter }, { dims: [0, 1] });
    if (g.inChannels === 1) {
      // One output channel makes XNNPACK's GEMM a matrix-vector product; a depthwise convolution per dy channel
      // and a sum over channels does the same multiply-adds at full SIMD width.
      const perChannel = inputGradAsConv(s, dy, s.reshape(reversed, [g.filterHeight, g.filterWidth, filter.shape[3]!, 1]), g, 'DepthwiseConv2dNative');
      return s.run('Sum', { x: perChannel }, { axis: [3], keepDims: true });
    }
    return inputGradAsConv(s, dy, s.transpose(reversed, [0, 1, 3, 2]), g, 'Conv2D'); // filter [KH, KW, Co, Ci]
  });
}

/**
 * Shared by the dense and depthwise input gradients: zero-inserts dy for the stride, then runs `convKernel`
 * (Conv2D or DepthwiseConv2dNative) with `flippedFilter` so that the output is exactly [B, H, W, ·].
 */
export function inputGradAsConv(s: Scratch, dy: TensorInfo, flippedFilter: TensorInfo, g: ConvGeometry, convKernel: string): TensorInfo {
  const dyz = insertZeros(s, dy, g.strideHeight, g.strideWidth);
  const rows = fullPadding(g.inHeight, dyz.shape[1]!, g.filterHeight, g.dilationHeight, g.padTop);
  const cols = fullPadding(g.inWidth, dyz.shape[2]!, g.filterWidth, g.dilationWidth, g.padLeft);
  const dyUsed = s.slice(dyz, [0, rows.cropBefore, cols.cropBefore, 0], [
    g.batch,
    dyz.shape[1]! - rows.cropBefore - rows.cropAfter,
    dyz.shape[2]! - cols.cropBefore - cols.cropAfter,
    dyz.shape[3]!,
  ]);
  return s.run(convKernel, { x: dyUsed, filter: flippedFilter }, {
    strides: [1, 1],
    dilations: [g.dilationHeight, g.dilationWidth],
    pad: [[0, 0], [rows.padBefore, rows.padAfter], [cols.padBefore, cols.padAfter], [0, 0]],
    dataFormat: 'NHWC',
  });
}

/**
 * [B, OH, OW, C] → [B, OH·sh, OW·sw, C] with sh−1 (sw−1) zero rows (columns) after each original. The trailing
 * zeros past the last original are left for fullPadding to use as padding (or crop), which saves a copy.
 */
function insertZeros(s: Scratch, dy: TensorInfo, sh: number, sw: number): TensorInfo {
  if (sh === 1 && sw === 1) return dy;
  const [b, oh, ow, c] = dy.shape as [number, number, number, number];
  const spread = s.pad(s.reshape(dy, [b, oh, 1, ow, 1, c]), [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]]);
  return s.reshape(spread, [b, oh * sh, ow * sw, c]);
}

/**
 * Padding of the "full" correlation along one axis: (K−1)·d − pt zeros before, enough after for `inSize` outputs.
 * A negative amount (explicit padding wider than the filter) becomes a crop of dyz instead.
 */
function fullPadding(inSize: number, dyzSize: number, filterSize: number, dilation: number, padBefore: number) {
  const before = (filterSize - 1) * dilation - padBefore;
  const after = inSize + (filterSize - 1) * dilation - dyzSize - before;
  return {
    padBefore: Math.max(0, before),
    cropBefore: Math.max(0, -before),
    padAfter: Math.max(0, after),
    cropAfter: Math.max(0, -after),
  };
}
