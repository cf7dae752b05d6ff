// BatchMatMul and _FusedMatMul on OpenBLAS (cblas_sgemm with its transpose flags: no transposes materialized).
import * as tf from '@tensorflow/tfjs';
import { activationCodes, type KernelArgs, type KernelFunc, type NativeKernels, nativeCase, onHeap, type TensorInfo } from './heap.js';

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/**
 * Builds the matmul kernel; `fallback` (the kernel it replaces) takes what the addon does not: other dtypes,
 * batch broadcasts beyond "one side has a single matrix", prelu, biases that are not per-column.
 */
export function makeMatMul(native: NativeKernels, fused: boolean, fallback: KernelFunc): KernelFunc {
  return (args: KernelArgs) => {
    const { inputs, backend, attrs = {} } = args;
    const a = inputs['a']!;
    const b = inputs['b']!;
    const bias = fused ? inputs['bias'] : undefined;
    const act = fused ? activationCodes[(attrs['activation'] as string | undefined) ?? 'linear'] : 0;
    const transA = attrs['transposeA'] === true;
    const transB = attrs['transposeB'] === true;
    const m = a.shape[a.shape.length - (transA ? 1 : 2)]!;
    const k = a.shape[a.shape.length - (transA ? 2 : 1)]!;
    const n = b.shape[b.shape.length - (transB ? 2 : 1)]!;
    const kB = b.shape[b.shape.length - (transB ? 1 : 2)]!;
    const outerA = a.shape.slice(0, -2);
    const outerB = b.shape.slice(0, -2);
    const batchA = size(outerA);
    const batchB = size(outerB);
    const outer = a.shape.length === 2 && b.shape.length === 2 ? [] : tf.backend_util.assertAndGetBroadcastShape(outerA, outerB);
    const batch = size(outer);
    const biasLen = bias === undefined ? 0 : size(bias.shape);
    const supported =
      k === kB && // else the fallback raises tfjs's own shape error
      nativeCase(a, b, bias) &&
      act !== undefined &&
      (batchA === batch || batchA === 1) &&
      (batchB === batch || batchB === 1) &&
      (biasLen === 0 || biasLen === 1 || (biasLen === n && bias!.shape[bias!.shape.length - 1] === n)) &&
      m * n > 0;
    if (!supported) return fallback(args);
    const dims = Int32Array.of(batch, batchA, batchB, m, n, k, transA ? 1 : 0, transB ? 1 : 0, biasLen);
    const alpha = (attrs['leakyreluAlpha'] as number | undefined) ?? 0.2;
    return onHeap(backend, [...outer, m, n], [a, b, bias], (heap, out, [ao, bo, biasO]) =>
      native.batchMatMul(heap, dims, ao!, bo!, out, biasO!, act, alpha),
    ) as TensorInfo;
  };
}
