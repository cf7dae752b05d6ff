// Add/Sub/Multiply/RealDiv and the comparisons with broadcasting, and Sum/Mean over leading or trailing axes, in one addon pass on
// the wasm heap. A training step is mostly these small ops (BatchNorm's per-channel statistics and scaling,
// dropout masks, bias gradients, the loss, the optimizer update); wasm's own kernels tile a broadcast operand or
// transpose before reducing, and each costs a separate pass.
import * as tf from '@tensorflow/tfjs';
import { type KernelArgs, type KernelFunc, type NativeKernels, nativeCase, onHeap } from './heap.js';

/** Op codes shared with the addon's `BinaryOp` enum (kernels.h); codes from 4 on are comparisons giving bool. */
export const binaryOpCodes = { Add: 0, Sub: 1, Multiply: 2, RealDiv: 3, Greater: 4, GreaterEqual: 5, Less: 6, LessEqual: 7 } as const;
export type BinaryKernelName = keyof typeof binaryOpCodes;
/** The addon's `kMulStep`: a · step(b), ReLU's gradient in one pass (a kernel of ours, not a tfjs one). */
export const mulStepOpCode = 8;

const product = (dims: number[]) => dims.reduce((a, b) => a * b, 1);

/**
 * How output element i reads an operand of shape `shape` broadcast to `out`: at (i / repeat) % length. Defined
 * when the operand's non-1 axes are one contiguous run of axes equal to the output's (same shape, scalar,
 * per-channel vector, per-row column...); undefined otherwise.
 */
export function broadcastCursor(shape: number[], out: number[]): { repeat: number; length: number } | undefined {
  const s = [...new Array<number>(out.length - shape.length).fill(1), ...shape];
  const first = s.findIndex((d) => d !== 1);
  if (first < 0) return { repeat: 1, length: 1 };
  let last = s.length - 1;
  while (s[last] === 1) last--;
  for (let i = first; i <= last; i++) if (s[i] !== out[i]) return undefined;
  return { repeat: product(out.slice(last + 1)), length: product(s.slice(first, last + 1)) };
}

export function makeBinary(native: NativeKernels, name: BinaryKernelName, fallback: KernelFunc): KernelFunc {
  const op = binaryOpCodes[name];
  return (args: KernelArgs) => {
    const { inputs, backend } = args;
    const a = inputs['a']!;
    const b = inputs['b']!;
    if (!nativeCase(a, b)) return fallback(args);
    const out = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
    const ca = broadcastCursor(a.shape, out);
    const cb = broadcastCursor(b.shape, out);
    if (ca === undefined || cb === undefined || product(out) === 0) return fallback(args);
    return onHeap(
      backend, out, [a, b],
      (heap, o, [ao, bo]) => native.binary(heap, op, ao!, ca.repeat, ca.length, bo!, cb.repeat, cb.length, o, product(out)),
      op >= binaryOpCodes.Greater ? 'bool' : 'float32',
    );
  };
}

/** Sum (scale 1) or Mean over axes that are a leading or trailing run of x's axes (or all of them); else `fallback`. */
export function makeReduce(native: NativeKernels, kind: 'Sum' | 'Mean', fallback: KernelFunc): KernelFunc {
  return (args: KernelArgs) => {
    const { inputs, backend, attrs = {} } = args;
    const x = inputs['x']!;
    if (!nativeCase(x)) return fallback(args);
    const rank = x.shape.length;
    const axes = tf.util.parseAxisParam((attrs['axis'] as number | number[] | null | undefined) ?? x.shape.map((_, i) => i), x.shape).sort((p, q) => p - q);
    const unique = axes.every((v, i) => i === 0 || v !== axes[i - 1]);
    const leading = axes.every((v, i) => v === i);
    const trailing = axes.every((v, i) => v === rank - axes.length + i);
    if (!unique || axes.length === 0 || (!leading && !trailing)) return fallback(args);
    const reduced = product(axes.map((i) => x.shape[i]!));
    const kept = x.shape.filter((_, i) => !axes.includes(i));
    const outShape = attrs['keepDims'] === true ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : kept;
    const scale = kind === 'Mean' ? 1 / reduced : 1;
    // A full reduction is both; as rows of one column-sum it stays one accumulator.
    const overRows = leading && axes.length < rank;
    const [rows, cols] = overRows ? [reduced, product(kept)] : [product(kept), reduced];
    return onHeap(backend, outShape, [x], (heap, o, [xo]) => native.sum(heap, xo!, rows, cols, scale, o, overRows ? 1 : 0));
  };
}
