// wasm's Cast copies the tensor even when the dtype does not change. Gradient functions cast their saved inputs to
// float32 as a matter of course (ReLU's, Square's: x.toFloat()), so a convnet step copied its activations and an L2
// penalty its kernels once more each: about 1 ms of a 13 ms mnist-small-cnn step. Like the cpu backend, a cast to
// the same dtype shares the input's buffer with one more reference (tfjs tensors are immutable).
import type { KernelFunc, TensorInfo } from './kernel-calls.js';

/** Zero-copy Cast to the tensor's own dtype; real conversions go to `original`. */
export function makeCast(original: KernelFunc | undefined) {
  return function cast(args: Parameters<KernelFunc>[0]): TensorInfo {
    const x = args.inputs['x']!;
    const dtype = (args.attrs as { dtype?: string } | undefined)?.dtype;
    if (dtype !== x.dtype || x.dtype === 'string' || original === undefined) {
      if (original === undefined) throw new Error('Cast: the wasm backend has no Cast kernel to fall back to');
      return original(args) as TensorInfo;
    }
    args.backend.incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
}
