/**
 * Float32 kernels (OpenBLAS; convolutions on oneDNN when it was found at build time; depthwise, elementwise and reductions as C loops) that read and write one ArrayBuffer (the tfjs wasm heap) at byte offsets, in place.
 * Activations are NHWC, filters HWIO, matrices row-major. Every range is bounds-checked against `heap`.
 */
export interface NativeKernels {
  /**
   * c[i] = op(a[i % batchA]) · op(b[i % batchB]), then + bias and the activation.
   * dims: [batch, batchA, batchB, m, n, k, transA (0/1), transB (0/1), biasLen (0, 1 or n)]; biasOffset -1: none.
   */
  batchMatMul(heap: ArrayBuffer, dims: Int32Array, aOffset: number, bOffset: number, cOffset: number, biasOffset: number, activation: number, alpha: number): void;
  /**
   * geometry: [batch, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, filterHeight, filterWidth,
   * strideHeight, strideWidth, dilationHeight, dilationWidth, padTop, padLeft]; biasOffset -1: none.
   */
  conv2d(heap: ArrayBuffer, geometry: Int32Array, xOffset: number, filterOffset: number, yOffset: number, biasOffset: number, activation: number, alpha: number): void;
  conv2dBackpropInput(heap: ArrayBuffer, geometry: Int32Array, dyOffset: number, filterOffset: number, dxOffset: number): void;
  conv2dBackpropFilter(heap: ArrayBuffer, geometry: Int32Array, xOffset: number, dyOffset: number, dwOffset: number): void;
  /** Depthwise forward; filter [KH, KW, C, M], geometry's outChannels = C·M. */
  depthwiseConv2d(heap: ArrayBuffer, geometry: Int32Array, xOffset: number, filterOffset: number, yOffset: number, biasOffset: number, activation: number, alpha: number): void;
  depthwiseConv2dBackpropInput(heap: ArrayBuffer, geometry: Int32Array, dyOffset: number, filterOffset: number, dxOffset: number): void;
  depthwiseConv2dBackpropFilter(heap: ArrayBuffer, geometry: Int32Array, xOffset: number, dyOffset: number, dwOffset: number): void;
  /**
   * out[i] = a[(i / aRepeat) % aLength] op b[(i / bRepeat) % bLength] for i < n; op 0 add, 1 sub, 2 mul, 3 div.
   * aLength/bLength are the operands' element counts.
   */
  binary(heap: ArrayBuffer, op: number, aOffset: number, aRepeat: number, aLength: number, bOffset: number, bRepeat: number, bLength: number, outOffset: number, n: number): void;
  /** scale · sums of a rows×cols matrix: per column (overRows 1, out has cols values) or per row (0, rows values); in double. */
  sum(heap: ArrayBuffer, xOffset: number, rows: number, cols: number, scale: number, outOffset: number, overRows: number): void;
  /** out[i] = scale where element i's SplitMix32 draw keyed by `key` (int32) is ≥ keepFrom, else 0: core's SeedStream dropout masks. */
  keepMask(heap: ArrayBuffer, outOffset: number, n: number, key: number, keepFrom: number, scale: number): void;
  /** Per-channel mean and biased variance of a rows×channels matrix (double sums, two passes). */
  channelMoments(heap: ArrayBuffer, xOffset: number, rows: number, channels: number, meanOffset: number, varianceOffset: number): void;
  /** y[r, c] = x[r, c]·alpha[c] + shift[c] (BatchNorm's normalization) in one pass. */
  channelAffine(heap: ArrayBuffer, xOffset: number, rows: number, channels: number, alphaOffset: number, shiftOffset: number, yOffset: number): void;
  /** BatchNorm backward sums per channel: Σdy and Σdy·x̂, x̂ = (x − mean)·invStd. */
  batchNormGradSums(heap: ArrayBuffer, dyOffset: number, xOffset: number, rows: number, channels: number, meanOffset: number, invStdOffset: number, sumDyOffset: number, sumDyXhatOffset: number): void;
  /** BatchNorm's input gradient dx = (dy − (x̂·meanDyXhat + meanDy))·alpha, x̂ recomputed from x. */
  batchNormGradInput(heap: ArrayBuffer, dyOffset: number, xOffset: number, rows: number, channels: number, meanOffset: number, invStdOffset: number, alphaOffset: number, meanDyOffset: number, meanDyXhatOffset: number, dxOffset: number): void;
  /** dx of max pooling; geometry as for conv2d with the pool window as the filter (outChannels ignored). */
  maxPoolGrad(heap: ArrayBuffer, geometry: Int32Array, xOffset: number, dyOffset: number, dxOffset: number): void;
  /**
   * The parameter server's step loops, on Float32Arrays of one length (not the heap), with core's JS loops' bits
   * (core/numeric/step-loops.ts says each formula): sum += t; sum = (sum + t) / divisor; SGD's steady momentum step.
   */
  addInto(sum: Float32Array, t: Float32Array): void;
  addDivideInto(sum: Float32Array, t: Float32Array, divisor: number): void;
  sgdMomentum(param: Float32Array, grad: Float32Array, buf: Float32Array, mu: number, keep: number, weightDecay: number, negLr: number): void;
  /** The index of the first NaN or ±Infinity in `values`, or -1. */
  findNonFinite(values: Float32Array): number;
  /** OpenBLAS worker threads for every later call. */
  setThreads(threads: number): void;
  /** blas: OpenBLAS's build config; core: its kernel set for this CPU; convolutions: 'oneDNN x.y.z' or 'im2col + OpenBLAS'. */
  info(): { blas: string; core: string; convolutions: string; threads: number };
}


export function loadNativeKernels(): NativeKernels;
