// Conv2D, FusedConv2D and both convolution gradients on OpenBLAS (im2col / col2im + sgemm, in the addon).
import { assertShape, convGeometry, type ConvGeometry } from '../wasm-kernels/conv-geometry.js';
import { activationCodes, type KernelArgs, type KernelFunc, type NativeKernels, nativeCase, onHeap, type TensorInfo } from './heap.js';

/** The addon's geometry layout (kernels.h ConvGeometry). */
function packed(g: ConvGeometry, outChannels: number): Int32Array {
  return Int32Array.of(
    g.batch, g.inHeight, g.inWidth, g.inChannels, g.outHeight, g.outWidth, outChannels, g.filterHeight, g.filterWidth,
    g.strideHeight, g.strideWidth, g.dilationHeight, g.dilationWidth, g.padTop, g.padLeft,
  );
}

const nhwc = (attrs: KernelArgs['attrs']) => ['NHWC', 'channelsLast', undefined].includes(attrs?.['dataFormat'] as string | undefined);

/** Conv2D (fused = false) or FusedConv2D with bias and a non-prelu activation; the rest goes to `fallback`. */
export function makeConv2D(native: NativeKernels, fused: boolean, fallback: KernelFunc): KernelFunc {
  return (args: KernelArgs) => {
    const { inputs, backend, attrs = {} } = args;
    const x = inputs['x']!;
    const filter = inputs['filter']!;
    const bias = fused ? inputs['bias'] : undefined;
    const act = fused ? activationCodes[(attrs['activation'] as string | undefined) ?? 'linear'] : 0;
    const co = filter.shape[3]!;
    if (!nhwc(attrs) || act === undefined || !nativeCase(x, filter, bias) || (bias !== undefined && bias.shape.reduce((p, d) => p * d, 1) !== co)) {
      return fallback(args);
    }
    const g = convGeometry('Conv2D', x.shape, filter.shape, attrs, false);
    const alpha = (attrs['leakyreluAlpha'] as number | undefined) ?? 0.2;
    return onHeap(backend, [g.batch, g.outHeight, g.outWidth, co], [x, filter, bias], (heap, out, [xo, fo, bo]) =>
      native.conv2d(heap, packed(g, co), xo!, fo!, out, bo!, act, alpha),
    );
  };
}

export function makeConv2DBackpropInput(native: NativeKernels, fallback: KernelFunc): KernelFunc {
  return (args: KernelArgs) => {
    const { inputs, backend, attrs = {} } = args;
    const dy = inputs['dy']!;
    const filter = inputs['filter']!;
    if (!nhwc(attrs) || !nativeCase(dy, filter)) return fallback(args);
    const inputShape = attrs['inputShape'] as number[];
    const g = convGeometry('Conv2DBackpropInput', inputShape, filter.shape, attrs, false);
    assertShape('Conv2DBackpropInput', 'dy', dy.shape, [g.batch, g.outHeight, g.outWidth, filter.shape[3]!]);
    return onHeap(backend, inputShape, [dy, filter], (heap, out, [dyo, fo]) =>
      native.conv2dBackpropInput(heap, packed(g, filter.shape[3]!), dyo!, fo!, out),
    );
  };
}

export function makeConv2DBackpropFilter(native: NativeKernels, fallback: KernelFunc): KernelFunc {
  return (args: KernelArgs): TensorInfo | TensorInfo[] => {
    const { inputs, backend, attrs = {} } = args;
    const x = inputs['x']!;
    const dy = inputs['dy']!;
    if (!nhwc(attrs) || !nativeCase(x, dy)) return fallback(args);
    const filterShape = attrs['filterShape'] as number[];
    const g = convGeometry('Conv2DBackpropFilter', x.shape, filterShape, attrs, false);
    assertShape('Conv2DBackpropFilter', 'dy', dy.shape, [g.batch, g.outHeight, g.outWidth, filterShape[3]!]);
    return onHeap(backend, filterShape, [x, dy], (heap, out, [xo, dyo]) =>
      native.conv2dBackpropFilter(heap, packed(g, filterShape[3]!), xo!, dyo!, out),
    );
  };
}
