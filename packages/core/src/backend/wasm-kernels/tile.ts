// Tile on wasm is a per-element C loop; tfjs-core's BatchNorm gradient tiles [1,1,1,C] statistics to the full
// [B,H,W,C] map several times per step, which made Tile the largest kernel of a BN convnet's training step
// (~140 ms of ~360 ms at batch 64). Tiling is pure data movement: contiguous blocks are copied once and then
// replicated by doubling memcpy's (copyWithin) on the wasm heap.
import type * as tf from '@tensorflow/tfjs';
import type { HeapBackend, KernelFunc, TensorInfo } from './kernel-calls.js';

type Heap = Float32Array | Int32Array | Uint8Array;

/** Writes x (shape `shape`) tiled by `reps` at dst[dstOff…]; axes after `lastTiled` are copied as one block. */
function tileInto(src: Heap, srcOff: number, dst: Heap, dstOff: number, shape: number[], reps: number[], axis: number, lastTiled: number, strides: number[]): number {
  if (axis > lastTiled) {
    const block = strides[axis - 1] ?? src.length;
    dst.set(src.subarray(srcOff, srcOff + block), dstOff);
    return block;
  }
  let written = 0;
  const subSize = strides[axis]!;
  for (let i = 0; i < shape[axis]!; i++) written += tileInto(src, srcOff + i * subSize, dst, dstOff + written, shape, reps, axis + 1, lastTiled, strides);
  const target = written * reps[axis]!;
  for (let done = written; done < target; ) {
    const n = Math.min(done, target - done);
    dst.copyWithin(dstOff + done, dstOff, dstOff + n);
    done += n;
  }
  return target;
}

/** tf.tile for numeric tensors on wasm; other dtypes go to `original`. */
export function makeTile(original: KernelFunc | undefined) {
  return function tile(args: { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs?: tf.NamedAttrMap }): TensorInfo {
    const x = args.inputs['x']!;
    const reps = (args.attrs?.['reps'] as number[] | undefined) ?? [];
    const backend = args.backend as HeapBackend;
    if (!['float32', 'int32', 'bool'].includes(x.dtype) || reps.length !== x.shape.length || x.shape.length === 0) {
      if (original === undefined) throw new Error(`Tile on wasm: unsupported input (dtype ${x.dtype}, reps [${reps}] for shape [${x.shape}])`);
      return original(args as Parameters<KernelFunc>[0]) as TensorInfo;
    }
    const outShape = x.shape.map((d, i) => d * reps[i]!);
    const out = backend.makeOutput(outShape, x.dtype);
    if (outShape.some((d) => d === 0)) return out;
    // Allocate before taking views: a heap growth detaches earlier ones.
    const dst = backend.typedArrayFromHeap(out);
    const src = backend.typedArrayFromHeap(x);
    const strides = x.shape.map((_, i) => x.shape.slice(i + 1).reduce((a, b) => a * b, 1));
    let lastTiled = reps.length - 1;
    while (lastTiled >= 0 && reps[lastTiled] === 1) lastTiled--;
    tileInto(src, 0, dst, 0, x.shape, reps, 0, lastTiled, strides);
    return out;
  };
}
