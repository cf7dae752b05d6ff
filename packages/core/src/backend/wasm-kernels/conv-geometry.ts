// Shapes and paddings shared by the convolution gradient kernels, all NHWC.
import * as tf from '@tensorflow/tfjs';

export interface ConvGeometry {
  batch: number;
  inHeight: number;
  inWidth: number;
  inChannels: number;
  outHeight: number;
  outWidth: number;
  filterHeight: number;
  filterWidth: number;
  strideHeight: number;
  strideWidth: number;
  dilationHeight: number;
  dilationWidth: number;
  padTop: number;
  padLeft: number;
}

type Pad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;

/** Normalizes a kernel's attrs (tfjs conventions) into the geometry of the forward convolution. */
export function convGeometry(
  kernelName: string,
  xShape: number[],
  filterShape: number[],
  attrs: tf.NamedAttrMap,
  depthwise: boolean,
): ConvGeometry {
  const dataFormat = (attrs['dataFormat'] as string | undefined) ?? 'NHWC';
  if (dataFormat !== 'NHWC' && dataFormat !== 'channelsLast') {
    throw new Error(`${kernelName} on wasm: dataFormat must be 'NHWC', got '${dataFormat}'`);
  }
  const info = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs['strides'] as [number, number] | number,
    (attrs['dilations'] as [number, number] | number | undefined) ?? 1,
    attrs['pad'] as Pad,
    attrs['dimRoundingMode'] as 'floor' | 'round' | 'ceil' | undefined,
    depthwise,
    'channelsLast',
  );
  return {
    batch: info.batchSize,
    inHeight: info.inHeight,
    inWidth: info.inWidth,
    inChannels: info.inChannels,
    outHeight: info.outHeight,
    outWidth: info.outWidth,
    filterHeight: info.filterHeight,
    filterWidth: info.filterWidth,
    strideHeight: info.strideHeight,
    strideWidth: info.strideWidth,
    dilationHeight: info.dilationHeight,
    dilationWidth: info.dilationWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
  };
}

/**
 * The input rows (or columns) the forward pass actually reads, in padded coordinates starting at -padTop: the
 * span of the last window's last tap. Returns how many real rows to keep and how many zeros to add below, so
 * that a stride-`stride` walk over it yields exactly `outSize` windows. Rows past the span are never read
 * (valid padding with leftover rows) and are cropped.
 */
export function usedExtent(inSize: number, outSize: number, filterSize: number, stride: number, dilation: number, padBefore: number): {
  keep: number;
  padAfter: number;
} {
  const span = (filterSize - 1) * dilation + (outSize - 1) * stride + 1;
  const needed = span - padBefore;
  return needed <= inSize ? { keep: needed, padAfter: 0 } : { keep: inSize, padAfter: needed - inSize };
}

export function assertShape(kernelName: string, what: string, actual: readonly number[], expected: readonly number[]): void {
  if (actual.length !== expected.length || actual.some((d, i) => d !== expected[i])) {
    throw new Error(`${kernelName} on wasm: ${what} has shape [${actual.join(',')}], expected [${expected.join(',')}]`);
  }
}
