// Conv2D/FusedConv2D, the depthwise convolutions and all their gradients in the addon (dense ones on oneDNN, or
// im2col / col2im + OpenBLAS sgemm; depthwise ones as direct loops).
import { assertShape, convGeometry, type ConvGeometry } from '../wasm-kernels/conv-geometry.js';
import { activationCodes, type KernelArgs, type KernelFunc, type NativeKernels, nativeCase, onHeap, type TensorInfo } from './heap.js';

/** What differs between a dense and a depthwise convolution: filter layout and the addon functions. */
export interface ConvFlavor {
  kernelName: string;
  depthwise: boolean;
  /** Output channels of a filter: Co of [KH, KW, C, Co], or C·M of a depthwise [KH, KW, C, M]. */
  outChannels(filterShape: number[]): number;
  forward: 'conv2d' | 'depthwiseConv2d';
  input: 'conv2dBackpropInput' | 'depthwiseConv2dBackpropInput';
  filter: 'conv2dBackpropFilter' | 'depthwiseConv2dBackpropFilter';
}

export const dense: ConvFlavor = {
  kernelName: 'Conv2D', depthwise: false, outChannels: (f) => f[3]!,
  forward: 'conv2d', input: 'conv2dBackpropInput', filter: 'conv2dBackpropFilter',
};
export const depthwise: ConvFlavor = {
  kernelName: 'DepthwiseConv2dNative', depthwise: true, outChannels: (f) => f[2]! * f[3]!,
  forward: 'depthwiseConv2d', input: 'depthwiseConv2dBackpropInput', filter: 'depthwiseConv2dBackpropFilter',
};

/** The addon's geometry layout (kernels.h ConvGeometry). */
function packed(g: ConvGeometry, outChannels: number): Int32Array {
  return Int32Array.of(
    g.batch, g.inHeight, g.inWidth, g.inChannels, g.outHeight, g.outWidth, outChannels, g.filterHeight, g.filterWidth,
    g.strideHeight, g.strideWidth, g.dilationHeight, g.dilationWidth, g.padTop, g.padLeft,
  );
}

const nhwc = (attrs: KernelArgs['attrs']) => ['NHWC', 'channelsLast', undefined].includes(attrs?.['dataFormat'] as string | undefined);

/** The forward convolution (fused = false) or its fused form with bias and a non-prelu activation; the rest goes to `fallback`. */
export function makeConv2D(native: NativeKernels, flavor: ConvFlavor, fused: boolean, fallback: KernelFunc): KernelFunc {
  return (args: KernelArgs) => {
    const { inputs, backend, attrs = {} } = args;
    const x = inputs['x']!;
    const filter = inputs['filter']!;
    const bias = fused ? inputs['bias'] : undefined;
    const act = fused ? activationCodes[(attrs['activation'] as string | undefined) ?? 'linear'] : 0;
    const co = flavor.outChannels(filter.shape);
    if (!nhwc(attrs) || act === undefined || !nativeCase(x, filter, bias) || (bias !== undefined && bias.shape.reduce((p, d) => p * d, 1) !== co)) {
      return fallback(args);
    }
    const g = convGeometry(flavor.kernelName, x.shape, filter.shape, attrs, flavor.depthwise);
    const alpha = (attrs['leakyreluAlpha'] as number | undefined) ?? 0.2;
    return onHeap(backend, [g.batch, g.outHeight, g.outWidth, co], [x, filter, bias], (heap, out, [xo, fo, bo]) =>
      native[flavor.forward](heap, packed(g, co), xo!, fo!, out, bo!, act, alpha),
    );
  };
}

export function makeConv2DBackpropInput(native: NativeKernels, flavor: ConvFlavor, fallback: KernelFunc): KernelFunc {
  const name = `${flavor.kernelName}BackpropInput`;
  return (args: KernelArgs) => {
    const { inputs, backend, attrs = {} } = args;
    const dy = inputs['dy']!;
    const filter = inputs['filter']!;
    if (!nhwc(attrs) || !nativeCase(dy, filter)) return fallback(args);
    const inputShape = attrs['inputShape'] as number[];
    const g = convGeometry(name, inputShape, filter.shape, attrs, flavor.depthwise);
    const co = flavor.outChannels(filter.shape);
    assertShape(name, 'dy', dy.shape, [g.batch, g.outHeight, g.outWidth, co]);
    return onHeap(backend, inputShape, [dy, filter], (heap, out, [dyo, fo]) => native[flavor.input](heap, packed(g, co), dyo!, fo!, out));
  };
}

export function makeConv2DBackpropFilter(native: NativeKernels, flavor: ConvFlavor, fallback: KernelFunc): KernelFunc {
  const name = `${flavor.kernelName}BackpropFilter`;
  return (args: KernelArgs): TensorInfo | TensorInfo[] => {
    const { inputs, backend, attrs = {} } = args;
    const x = inputs['x']!;
    const dy = inputs['dy']!;
    if (!nhwc(attrs) || !nativeCase(x, dy)) return fallback(args);
    const filterShape = attrs['filterShape'] as number[];
    const g = convGeometry(name, x.shape, filterShape, attrs, flavor.depthwise);
    const co = flavor.outChannels(filterShape);
    assertShape(name, 'dy', dy.shape, [g.batch, g.outHeight, g.outWidth, co]);
    return onHeap(backend, filterShape, [x, dy], (heap, out, [xo, dyo]) => native[flavor.filter](heap, packed(g, co), xo!, dyo!, out));
  };
}
