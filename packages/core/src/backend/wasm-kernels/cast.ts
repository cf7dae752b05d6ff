// wasm's Cast copies the tensor even when the dtype does not change. Gradient functions cast their saved inputs to
// float32 as a matter of course (ReLU's, Square's: x.toFloat()), so a convnet step copied its activations and an L2
// penalty its kernels once more each: about 1 ms of a 13 ms mnist-small-cnn step. Like the cpu backend, a cast to
// the same dtype shares the input's buffer with one more reference (tfjs tensors are immutable).
// tfjs-wasm 4.22's Cast to bool truncates (0.5 → 0, 2 → 2); a cast to bool is x ≠ 0 (NaN counts as true), as on the
// cpu backend and in torch, so ours computes that itself.
import type { HeapBackend, KernelFunc, TensorInfo } from './kernel-calls.js';

/** Zero-copy Cast to the tensor's own dtype, a correct cast to bool; other conversions go to `original`. */
export function makeCast(original: KernelFunc | undefined) {
  return function cast(args: Parameters<KernelFunc>[0]): TensorInfo {
    const x = args.inputs['x']!;
    const dtype = (args.attrs as { dtype?: string } | undefined)?.dtype;
    if (dtype === 'bool' && (x.dtype === 'float32' || x.dtype === 'int32')) return castToBool(args.backend as HeapBackend, x);
    if (dtype !== x.dtype || x.dtype === 'string' || original === undefined) {
      if (original === undefined) throw new Error('Cast: the wasm backend has no Cast kernel to fall back to');
      return original(args) as TensorInfo;
    }
    args.backend.incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
}

/** out[i] = 1 where x[i] ≠ 0 (NaN included), else 0. */
function castToBool(backend: HeapBackend, x: TensorInfo): TensorInfo {
  const out = backend.makeOutput([...x.shape], 'bool');
  const values = backend.typedArrayFromHeap(x);
  const bools = backend.typedArrayFromHeap(out); // after makeOutput: an allocation may have moved the heap
  for (let i = 0; i < values.length; i++) bools[i] = values[i] !== 0 ? 1 : 0;
  return out;
}
