// Where tensors live on the wasm heap, for native kernels that read and write it in place.
import type * as tf from '@tensorflow/tfjs';
import type { NativeKernels } from '@tensorfleet/native';

export type { NativeKernels };
export type TensorInfo = tf.TensorInfo;
export type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs?: tf.NamedAttrMap };
export type KernelFunc = (args: KernelArgs) => TensorInfo | TensorInfo[];

/** The slice of tfjs-backend-wasm's BackendWasm the native kernels use. */
interface WasmHeapBackend extends tf.KernelBackend {
  wasm: { HEAPU8: Uint8Array };
  makeOutput(shape: number[], dtype: string): TensorInfo;
  getMemoryOffset(dataId: object): number;
}

/**
 * Allocates the outputs first (an allocation may grow, and so replace, the heap's ArrayBuffer), then hands the
 * current heap and each tensor's byte offset to `body`.
 */
export function onHeap(
  backend: tf.KernelBackend,
  outShape: number[],
  inputs: Array<TensorInfo | undefined>,
  body: (heap: ArrayBuffer, out: number, offsets: number[]) => void,
  outDtype: 'float32' | 'bool' = 'float32',
): TensorInfo {
  return onHeapOutputs(backend, [outShape], inputs, (heap, [out], offsets) => body(heap, out!, offsets), outDtype)[0]!;
}

/** {@link onHeap} for a kernel with several outputs (all of `outDtype`), in the order of `outShapes`. */
export function onHeapOutputs(
  backend: tf.KernelBackend,
  outShapes: number[][],
  inputs: Array<TensorInfo | undefined>,
  body: (heap: ArrayBuffer, outs: number[], offsets: number[]) => void,
  outDtype: 'float32' | 'bool' = 'float32',
): TensorInfo[] {
  const wasm = backend as WasmHeapBackend;
  const outs = outShapes.map((shape) => wasm.makeOutput(shape, outDtype));
  const offsets = inputs.map((t) => (t === undefined ? -1 : wasm.getMemoryOffset(t.dataId)));
  try {
    body(wasm.wasm.HEAPU8.buffer as ArrayBuffer, outs.map((o) => wasm.getMemoryOffset(o.dataId)), offsets);
  } catch (err) {
    for (const o of outs) wasm.disposeData(o.dataId); // the addon refused (its message names why): free what nobody will own
    throw err;
  }
  return outs;
}

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** True when every present input is float32 and non-empty: the only case the native kernels take. */
export function nativeCase(...infos: Array<TensorInfo | undefined>): boolean {
  return infos.every((t) => t === undefined || (t.dtype === 'float32' && size(t.shape) > 0));
}

/** Epilogue codes shared with the addon's `Activation` enum (kernels.h). prelu is left to wasm. */
export const activationCodes: Record<string, number> = { linear: 0, relu: 1, relu6: 2, leakyrelu: 3, elu: 4, sigmoid: 5 };
