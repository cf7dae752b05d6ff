// Gradients of a depthwise convolution (tfjs kernels DepthwiseConv2dNativeBackpropFilter/Input), which
// tfjs-backend-wasm 4.22 lacks. Filter [KH, KW, C, M]; output channel c·M + m reads input channel c.
import * as tf from '@tensorflow/tfjs';
import { inputGradAsConv } from './conv2d-backprop-input.js';
import { assertShape, convGeometry, usedExtent } from './conv-geometry.js';
import { type TensorInfo, withScratch } from './kernel-calls.js';

const FILTER = 'DepthwiseConv2dNativeBackpropFilter';
const INPUT = 'DepthwiseConv2dNativeBackpropInput';

/**
 * dW[kh,kw,c,m] = Σ_{b,oh,ow} x[b, oh·s − pt + kh·d, ow·s − pl + kw·d, c] · dy[b,oh,ow,c·M+m]: per filter tap,
 * one strided slice of the padded input, an elementwise product with dy and a sum over (b, oh, ow), all wasm
 * kernels; KH·KW rounds of O(B·OH·OW·C·M) work, the same count of multiply-adds as the forward pass.
 */
export function depthwiseBackpropFilter(args: { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs?: tf.NamedAttrMap }): TensorInfo {
  const { inputs, backend, attrs = {} } = args;
  const x = inputs['x']!;
  const dy = inputs['dy']!;
  const filterShape = attrs['filterShape'] as number[];
  const g = convGeometry(FILTER, x.shape, filterShape, attrs, true);
  const [kh, kw, c, m] = filterShape as [number, number, number, number];
  assertShape(FILTER, 'dy', dy.shape, [g.batch, g.outHeight, g.outWidth, c * m]);
  return withScratch(backend, (s) => {
    const rows = usedExtent(g.inHeight, g.outHeight, kh, g.strideHeight, g.dilationHeight, g.padTop);
    const cols = usedExtent(g.inWidth, g.outWidth, kw, g.strideWidth, g.dilationWidth, g.padLeft);
    const xUsed = s.slice(x, [0, 0, 0, 0], [g.batch, rows.keep, cols.keep, c]);
    const xPad = s.pad(xUsed, [[0, 0], [g.padTop, rows.padAfter], [g.padLeft, cols.padAfter], [0, 0]]);
    const dyByChannel = s.reshape(dy, [g.batch, g.outHeight, g.outWidth, c, m]);
    const taps: TensorInfo[] = [];
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const window = s.stridedSlice(xPad, [0, i * g.dilationHeight, j * g.dilationWidth, 0],
          [g.batch, g.outHeight, g.outWidth, c], [1, g.strideHeight, g.strideWidth, 1]);
        const product = s.run('Multiply', { a: s.reshape(window, [g.batch, g.outHeight, g.outWidth, c, 1]), b: dyByChannel });
        taps.push(s.reshape(s.run('Sum', { x: product }, { axis: [0, 1, 2], keepDims: false }), [1, c, m]));
      }
    }
    const stacked = taps.length === 1 ? taps[0]! : s.run('Concat', taps as unknown as Record<string, TensorInfo>, { axis: 0 });
    return s.reshape(stacked, [kh, kw, c, m]);
  });
}

/**
 * dx of a depthwise convolution: the depthwise convolution of zero-inserted dy with the flipped filter, one
 * channel per (c, m), then a sum over m.
 */
export function depthwiseBackpropInput(args: { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs?: tf.NamedAttrMap }): TensorInfo {
  const { inputs, backend, attrs = {} } = args;
  const dy = inputs['dy']!;
  const filter = inputs['filter']!;
  const inputShape = attrs['inputShape'] as number[];
  const g = convGeometry(INPUT, inputShape, filter.shape, attrs, true);
  const [kh, kw, c, m] = filter.shape as [number, number, number, number];
  assertShape(INPUT, 'dy', dy.shape, [g.batch, g.outHeight, g.outWidth, c * m]);
  return withScratch(backend, (s) => {
    const flipped = s.reshape(s.run('Reverse', { x: filter }, { dims: [0, 1] }), [kh, kw, c * m, 1]);
    const perChannel = inputGradAsConv(s, dy, flipped, g, 'DepthwiseConv2dNative'); // [B, H, W, C·M]
    if (m === 1) return perChannel;
    const split = s.reshape(perChannel, [g.batch, g.inHeight, g.inWidth, c, m]);
    return s.run('Sum', { x: split }, { axis: [4], keepDims: false });
  });
}
