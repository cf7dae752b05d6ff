// tfjs-backend-wasm 4.22 runs BatchMatMul through XNNPACK only when neither operand is transposed; with
// transposeA or transposeB (every dense layer's backward pass: dW = xᵀ·dy, dx = dy·Wᵀ) it takes a naive loop
// ~10× slower. We materialize transposes and take the fast path. XNNPACK also repacks its right operand on every
// call (~4× the cost of transposing it), so for single matrices we may compute Cᵀ = op(B)ᵀ·op(A)ᵀ instead when
// that packs less: for dx = dy·Wᵀ it packs dyᵀ (batch×units) instead of the whole weight matrix.
import type * as tf from '@tensorflow/tfjs';
import { type Scratch, type TensorInfo, withScratch, wasmKernel } from './kernel-calls.js';

/** Swaps the last two axes. */
function lastTwoSwapped(rank: number): number[] {
  const perm = Array.from({ length: rank }, (_, i) => i);
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  return perm;
}

const size = (t: TensorInfo) => t.shape.reduce((a, b) => a * b, 1);
const isSingleMatrix = (t: TensorInfo) => t.shape.slice(0, -2).every((d) => d === 1);
/** Relative cost of XNNPACK packing an element of its right operand, in units of transposing one element. */
const PACK_COST = 4;

function transposed(s: Scratch, t: TensorInfo): TensorInfo {
  return s.transpose(t, lastTwoSwapped(t.shape.length));
}

/** a·b with transposes materialized (or the product computed transposed); otherwise exactly wasm's BatchMatMul. */
export function batchMatMul(args: { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs?: tf.NamedAttrMap }): TensorInfo {
  const { inputs, backend, attrs = {} } = args;
  const a = inputs['a']!;
  const b = inputs['b']!;
  const transposeA = attrs['transposeA'] === true;
  const transposeB = attrs['transposeB'] === true;
  if (!transposeA && !transposeB) return wasmKernel('BatchMatMul', backend, { a, b }, attrs)[0]!;
  const plain = { ...attrs, transposeA: false, transposeB: false };
  return withScratch(backend, (s) => {
    if (isSingleMatrix(a) && isSingleMatrix(b)) {
      const rows = a.shape[a.shape.length - (transposeA ? 1 : 2)]!;
      const cols = b.shape[b.shape.length - (transposeB ? 2 : 1)]!;
      const direct = PACK_COST * size(b) + (transposeA ? size(a) : 0) + (transposeB ? size(b) : 0);
      const flipped = PACK_COST * size(a) + (transposeB ? 0 : size(b)) + (transposeA ? 0 : size(a)) + rows * cols;
      if (flipped < direct) {
        // Cᵀ = op(B)ᵀ · op(A)ᵀ, where op(B)ᵀ is b itself when transposeB and op(A)ᵀ is a itself when transposeA.
        const left = transposeB ? b : transposed(s, b);
        const right = transposeA ? a : transposed(s, a);
        return transposed(s, s.run('BatchMatMul', { a: left, b: right }, plain));
      }
    }
    const aa = transposeA ? transposed(s, a) : a;
    const bb = transposeB ? transposed(s, b) : b;
    return s.run('BatchMatMul', { a: aa, b: bb }, plain);
  });
}
