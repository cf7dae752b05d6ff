// dW for a 2-D convolution (tfjs kernel Conv2DBackpropFilter), which tfjs-backend-wasm 4.22 lacks.
import * as tf from '@tensorflow/tfjs';
import { assertShape, type ConvGeometry, convGeometry, usedExtent } from './conv-geometry.js';
import { type Scratch, type TensorInfo, withScratch } from './kernel-calls.js';

const NAME = 'Conv2DBackpropFilter';

/**
 * dW[kh,kw,ci,co] = Σ_{b,oh,ow} x[b, oh·s − pt + kh·d, ow·s − pl + kw·d, ci] · dy[b,oh,ow,co] is itself a
 * convolution once the roles are swapped: channels `ci` act as the batch, the batch `b` as the reduced input
 * channel, dy (spatial OH×OW) as the filter, the forward stride as the dilation and the forward dilation as the
 * stride. That runs on wasm's XNNPACK Conv2D; only transposes surround it.
 */
export function conv2dBackpropFilter(args: { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs?: tf.NamedAttrMap }): TensorInfo {
  const { inputs, backend, attrs = {} } = args;
  const x = inputs['x']!;
  const dy = inputs['dy']!;
  const filterShape = attrs['filterShape'] as number[];
  const g = convGeometry(NAME, x.shape, filterShape, attrs, false);
  assertShape(NAME, 'dy', dy.shape, [g.batch, g.outHeight, g.outWidth, filterShape[3]!]);
  return withScratch(backend, (s) => filterGradAsConv(s, x, dy, g, filterShape[3]!));
}

function filterGradAsConv(s: Scratch, x: TensorInfo, dy: TensorInfo, g: ConvGeometry, outChannels: number): TensorInfo {
  const rows = usedExtent(g.inHeight, g.outHeight, g.filterHeight, g.strideHeight, g.dilationHeight, g.padTop);
  const cols = usedExtent(g.inWidth, g.outWidth, g.filterWidth, g.strideWidth, g.dilationWidth, g.padLeft);
  const xUsed = s.slice(x, [0, 0, 0, 0], [g.batch, rows.keep, cols.keep, g.inChannels]);
  const xT = s.transpose(xUsed, [3, 1, 2, 0]); // [Ci, H, W, B]
  const dyT = s.transpose(dy, [1, 2, 0, 3]); // [OH, OW, B, Co]
  const grad = s.run('Conv2D', { x: xT, filter: dyT }, {
    strides: [g.dilationHeight, g.dilationWidth],
    dilations: [g.strideHeight, g.strideWidth],
    pad: [[0, 0], [g.padTop, rows.padAfter], [g.padLeft, cols.padAfter], [0, 0]],
    dataFormat: 'NHWC',
  }); // [Ci, KH, KW, Co]
  assertShape(NAME, 'internal filter gradient', grad.shape, [g.inChannels, g.filterHeight, g.filterWidth, outChannels]);
  return s.transpose(grad, [1, 2, 0, 3]);
}
