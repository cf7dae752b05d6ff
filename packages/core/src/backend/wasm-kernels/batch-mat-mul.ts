// tfjs-backend-wasm 4.22 runs BatchMatMul through XNNPACK only when neither operand is transposed; with
// transposeA or transposeB (every dense layer's backward pass: dW = xᵀ·dy, dx = dy·Wᵀ) it takes a naive loop
// ~10× slower. Transposing the operand explicitly (a memory copy) and taking the fast path wins by far.
import type * as tf from '@tensorflow/tfjs';
import { type TensorInfo, withScratch, wasmKernel } from './kernel-calls.js';

/** Swaps the last two axes. */
function lastTwoSwapped(rank: number): number[] {
  const perm = Array.from({ length: rank }, (_, i) => i);
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  return perm;
}

/** a·b with transposes materialized; otherwise exactly wasm's BatchMatMul (which it calls). */
export function batchMatMul(args: { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs?: tf.NamedAttrMap }): TensorInfo {
  const { inputs, backend, attrs = {} } = args;
  const a = inputs['a']!;
  const b = inputs['b']!;
  const transposeA = attrs['transposeA'] === true;
  const transposeB = attrs['transposeB'] === true;
  if (!transposeA && !transposeB) return wasmKernel('BatchMatMul', backend, { a, b }, attrs)[0]!;
  return withScratch(backend, (s) => {
    const aa = transposeA ? s.transpose(a, lastTwoSwapped(a.shape.length)) : a;
    const bb = transposeB ? s.transpose(b, lastTwoSwapped(b.shape.length)) : b;
    return s.run('BatchMatMul', { a: aa, b: bb }, { ...attrs, transposeA: false, transposeB: false });
  });
}
