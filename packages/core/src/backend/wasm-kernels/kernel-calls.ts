// Our wasm training kernels are compositions of wasm's own (XNNPACK-backed) kernels, called directly as kernel
// functions on TensorInfos rather than through tf ops: no engine bookkeeping, no tidy scopes, and every
// intermediate is freed explicitly, so the only thing that outlives a call is the result we hand back.
import * as tf from '@tensorflow/tfjs';

export type TensorInfo = tf.TensorInfo;
export type NamedAttrs = tf.NamedAttrMap;
export type KernelFunc = (args: { inputs: Record<string, TensorInfo>; backend: tf.KernelBackend; attrs?: NamedAttrs }) =>
  TensorInfo | TensorInfo[];

/** The slice of BackendWasm that heap-loop kernels use: allocate an output, view tensors on the wasm heap. */
export interface HeapBackend extends tf.KernelBackend {
  makeOutput(shape: number[], dtype: string): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array | Int32Array | Uint8Array;
}

/** The wasm backend's own kernel functions that some of ours replace; kept so ours can fall back to them. */
export const originalWasmKernels = new Map<string, KernelFunc>();

/** Runs wasm kernel `name` (the original one when we overrode it) and returns all its outputs. */
export function wasmKernel(
  name: string,
  backend: tf.KernelBackend,
  inputs: Record<string, TensorInfo>,
  attrs: NamedAttrs = {},
): TensorInfo[] {
  const kernelFunc = originalWasmKernels.get(name) ?? (tf.getKernel(name, 'wasm')?.kernelFunc as KernelFunc | undefined);
  if (kernelFunc === undefined) throw new Error(`wasm kernel '${name}' is not registered: cannot build a training kernel on it`);
  const out = kernelFunc({ inputs, backend, attrs });
  return Array.isArray(out) ? out : [out];
}

/**
 * Collects the intermediates of one composite kernel call and frees them all at the end; `keep` is the result the
 * engine will own. Views (Reshape returns its input's dataId with an extra reference) are freed the same way,
 * which only drops the reference.
 */
export class Scratch {
  private readonly infos: TensorInfo[] = [];
  constructor(readonly backend: tf.KernelBackend) {}

  /** Takes ownership of a TensorInfo made outside `run` (freed at the end unless it is the result). */
  adopt(info: TensorInfo): TensorInfo {
    this.infos.push(info);
    return info;
  }

  /** Runs a single-output wasm kernel and remembers its output for disposal. */
  run(name: string, inputs: Record<string, TensorInfo>, attrs: NamedAttrs = {}): TensorInfo {
    return this.runAll(name, inputs, attrs)[0]!;
  }

  /** Runs a wasm kernel and remembers all its outputs for disposal. */
  runAll(name: string, inputs: Record<string, TensorInfo>, attrs: NamedAttrs = {}): TensorInfo[] {
    const outs = wasmKernel(name, this.backend, inputs, attrs);
    this.infos.push(...outs);
    return outs;
  }

  /**
   * Frees every intermediate except `result`, which is returned alive. A result that is not one of ours (an input
   * passed through) gets its own reference, as wasm's Identity and Reshape do, so the engine may dispose it.
   */
  finish(result: TensorInfo): TensorInfo {
    if (!this.infos.includes(result)) this.backend.incRef(result.dataId);
    for (const info of this.infos) {
      if (info !== result) this.backend.disposeData(info.dataId);
    }
    this.infos.length = 0;
    return result;
  }

  /** Frees everything (used when a kernel throws half-way). */
  abandon(): void {
    for (const info of this.infos) this.backend.disposeData(info.dataId);
    this.infos.length = 0;
  }

  transpose(x: TensorInfo, perm: number[]): TensorInfo {
    return this.run('Transpose', { x }, { perm });
  }

  reshape(x: TensorInfo, shape: number[]): TensorInfo {
    return this.run('Reshape', { x }, { shape });
  }

  /** Zero padding; `paddings` as [before, after] per axis. Skipped (returns x) when every entry is zero. */
  pad(x: TensorInfo, paddings: Array<[number, number]>): TensorInfo {
    if (paddings.every(([a, b]) => a === 0 && b === 0)) return x;
    return this.run('PadV2', { x }, { paddings, constantValue: 0 });
  }

  /** A box of x; wasm's Slice copies the whole tensor out of the heap first, so this uses StridedSlice (C++). */
  slice(x: TensorInfo, begin: number[], size: number[]): TensorInfo {
    return this.stridedSlice(x, begin, size, size.map(() => 1));
  }

  /** `size[i]` elements along axis i from `begin[i]`, every `strides[i]`-th. Returns x when that is all of x. */
  stridedSlice(x: TensorInfo, begin: number[], size: number[], strides: number[]): TensorInfo {
    if (size.every((n, i) => n === x.shape[i]) && begin.every((b) => b === 0)) return x;
    const end = begin.map((b, i) => b + (size[i]! - 1) * strides[i]! + 1);
    return this.run('StridedSlice', { x }, {
      begin, end, strides, beginMask: 0, endMask: 0, ellipsisMask: 0, newAxisMask: 0, shrinkAxisMask: 0,
    });
  }
}

/** Runs `body` with a fresh Scratch, freeing intermediates on success and on error. */
export function withScratch(backend: tf.KernelBackend, body: (s: Scratch) => TensorInfo): TensorInfo {
  const scratch = new Scratch(backend);
  let result: TensorInfo;
  try {
    result = body(scratch);
  } catch (err) {
    scratch.abandon();
    throw err;
  }
  return scratch.finish(result);
}
