// wasm's Identity copies the whole tensor; tfjs tensors are immutable, so (like the cpu and webgl backends) the
// output can share the input's buffer with one more reference. Gradient tapes and tfjs-layers call Identity
// ~10 times per BN convnet step on full-size activations.
import type { KernelFunc, TensorInfo } from './kernel-calls.js';

/** Zero-copy Identity for numeric tensors; strings go to `original`. */
export function makeIdentity(original: KernelFunc | undefined) {
  return function identity(args: Parameters<KernelFunc>[0]): TensorInfo {
    const x = args.inputs['x']!;
    if (x.dtype === 'string' && original !== undefined) return original(args) as TensorInfo;
    args.backend.incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
}
