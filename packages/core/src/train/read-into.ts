import * as tf from '@tensorflow/tfjs';

/** The part of tfjs-backend-wasm's backend that says where a tensor's bytes are on the wasm heap. */
interface WasmHeapBackend {
  wasm: { HEAPU8: Uint8Array };
  getMemoryOffset(dataId: object): number;
}

const onWasmHeap = (backend: unknown): backend is WasmHeapBackend =>
  typeof (backend as Partial<WasmHeapBackend>).getMemoryOffset === 'function' && (backend as Partial<WasmHeapBackend>).wasm?.HEAPU8 instanceof Uint8Array;

/**
 * Copies a float32 tensor's values into `out`: straight from the wasm heap when the wasm backend holds it (one copy,
 * nothing allocated), else through dataSync. Read-only: the tensor is not changed.
 * @example
 * const grad = new Float32Array(t.size); readInto(t, grad);
 */
export function readInto(t: tf.Tensor, out: Float32Array): void {
  if (t.size !== out.length) throw new Error(`readInto: the tensor has ${t.size} values, the output ${out.length}`);
  const backend = tf.engine().backend;
  if (t.dtype === 'float32' && onWasmHeap(backend)) {
    const offset = backend.getMemoryOffset(t.dataId);
    out.set(new Float32Array(backend.wasm.HEAPU8.buffer, backend.wasm.HEAPU8.byteOffset + offset, t.size));
  } else {
    out.set(t.dataSync() as Float32Array);
  }
}
