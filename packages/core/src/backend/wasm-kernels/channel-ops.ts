// Per-channel reductions and channel-broadcast arithmetic: BatchNorm's forward and backward passes are made of
// them (Σ over [B,H,W] per channel, x·γ, x−μ with [C] operands). wasm's Sum/Mean transpose the map so the
// reduced axes come last before a C loop, and its broadcasting binary kernels take a generic index loop; both
// cost 3–4 ms each on a 64×28×28×16 map. These are one streaming pass over the wasm heap instead.
import * as tf from '@tensorflow/tfjs';
import { type HeapBackend, type KernelFunc, type TensorInfo, withScratch } from './kernel-calls.js';
import { makeTile } from './tile.js';

type Args = Parameters<KernelFunc>[0];

/** The leading-axes count m when `axis` reduces exactly axes 0..m−1 of a rank-`rank` tensor (m < rank), else 0. */
function leadingAxes(axis: number | number[] | undefined, shape: number[]): number {
  const rank = shape.length;
  const axes = tf.util.parseAxisParam(axis ?? shape.map((_, i) => i), shape).sort((a, b) => a - b);
  if (axes.length === 0 || axes.length >= rank) return 0;
  return axes.every((a, i) => a === i) ? axes.length : 0;
}

/**
 * Sum or Mean over leading axes (the per-channel case) as one XNNPACK average pool whose window is the whole
 * reduced extent: [N, C] viewed as [1, N/q, q, C] with a (N/q)×q window (~0.2 ms for 64×28×28×16, against
 * ~3.5 ms for wasm's transpose-then-reduce). Sum rescales the [C] result by N.
 */
export function makeLeadingReduce(kind: 'Sum' | 'Mean', original: KernelFunc | undefined) {
  return function reduce(args: Args): TensorInfo {
    const x = args.inputs['x']!;
    const axis = args.attrs?.['axis'] as number | number[] | undefined;
    const m = x.dtype === 'float32' ? leadingAxes(axis, x.shape) : 0;
    const outer = tf.util.sizeFromShape(x.shape.slice(0, m));
    if (m === 0 || outer < 2 || tf.util.sizeFromShape(x.shape) === 0) return callOriginal(kind, original, args);
    const kept = x.shape.slice(m);
    const inner = tf.util.sizeFromShape(kept);
    const q = x.shape[m - 1]!;
    const keepDims = args.attrs?.['keepDims'] === true;
    const outShape = keepDims ? [...x.shape.slice(0, m).map(() => 1), ...kept] : kept;
    return withScratch(args.backend, (s) => {
      const grid = s.reshape(x, [1, outer / q, q, inner]);
      const pooled = s.run('AvgPool', { x: grid }, { filterSize: [outer / q, q], strides: [outer / q, q], pad: 'valid' });
      if (kind === 'Sum') {
        const values = (args.backend as HeapBackend).typedArrayFromHeap(pooled) as Float32Array;
        for (let j = 0; j < values.length; j++) values[j] = values[j]! * outer;
      }
      return s.reshape(pooled, outShape);
    });
  };
}

const binaryNames = ['Multiply', 'Add', 'Sub', 'RealDiv'] as const;
export type ChannelBinaryName = (typeof binaryNames)[number];

/** Size of the trailing channel vector when `small` is [C] or [1,…,1,C] and `big` ends in C with more elements; else 0. */
function channelVector(big: number[], small: number[]): number {
  if (big.length < 2 || small.length === 0 || small.length > big.length) return 0;
  const c = small[small.length - 1]!;
  if (small.slice(0, -1).some((d) => d !== 1) || big[big.length - 1] !== c) return 0;
  return tf.util.sizeFromShape(big) > c ? c : 0;
}

/** a ∘ b where one side is a per-channel vector broadcast over the other's leading axes; other cases → original. */
/**
 * a ∘ b where one side is a per-channel vector broadcast over the other's leading axes: the vector is tiled to
 * the full shape by block copies (~0.1 ms for 64×28×28×16) and wasm's own same-shape XNNPACK kernel does the
 * arithmetic (~0.2 ms), against ~3.5 ms for its broadcasting path. Other cases go to `original`.
 */
export function makeChannelBinary(name: ChannelBinaryName, original: KernelFunc | undefined) {
  const tile = makeTile(undefined);
  return function binary(args: Args): TensorInfo {
    const a = args.inputs['a']!;
    const b = args.inputs['b']!;
    if (a.dtype !== 'float32' || b.dtype !== 'float32' || original === undefined) return callOriginal(name, original, args);
    const aBig = channelVector(a.shape, b.shape) !== 0;
    const bBig = !aBig && channelVector(b.shape, a.shape) !== 0;
    if (!aBig && !bBig) return callOriginal(name, original, args);
    const big = aBig ? a : b;
    return withScratch(args.backend, (s) => {
      const c = big.shape[big.shape.length - 1]!;
      const vec = s.reshape(aBig ? b : a, [...big.shape.slice(0, -1).map(() => 1), c]);
      const full = tile({ inputs: { x: vec }, backend: args.backend, attrs: { reps: [...big.shape.slice(0, -1), 1] } });
      s.adopt(full);
      return s.adopt(callOriginal(name, original, { ...args, inputs: aBig ? { a, b: full } : { a: full, b } }));
    });
  };
}

function callOriginal(name: string, original: KernelFunc | undefined, args: Args): TensorInfo {
  if (original === undefined) throw new Error(`${name} on wasm: the wasm backend's own kernel is missing`);
  const out = original(args);
  return Array.isArray(out) ? out[0]! : out;
}
