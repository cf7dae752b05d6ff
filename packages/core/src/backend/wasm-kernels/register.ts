// Registers our training kernels for the 'wasm' backend.
import * as tf from '@tensorflow/tfjs';
import { batchMatMul } from './batch-mat-mul.js';
import { conv2dBackpropFilter } from './conv2d-backprop-filter.js';
import { conv2dBackpropInput } from './conv2d-backprop-input.js';
import { depthwiseBackpropFilter, depthwiseBackpropInput } from './depthwise-backprop.js';
import { type KernelFunc, originalWasmKernels } from './kernel-calls.js';
import { makeMaxPoolGrad } from './max-pool-grad.js';
import { makeTile } from './tile.js';
import { makeIdentity } from './identity.js';
import { makeCast } from './cast.js';
import { makeChannelBinary, makeLeadingReduce } from './channel-ops.js';

/** Kernels tfjs-backend-wasm 4.22 lacks, without which a convnet cannot train on wasm. */
export const addedKernelNames = [
  'Conv2DBackpropFilter',
  'DepthwiseConv2dNativeBackpropFilter',
  'DepthwiseConv2dNativeBackpropInput',
] as const;

/** wasm kernels that exist but take plain loops an order of magnitude slower than what we build from XNNPACK. */
export const replacedKernelNames = [
  'BatchMatMul', 'Conv2DBackpropInput', 'Identity', 'Cast', 'MaxPoolGrad', 'Tile', 'Sum', 'Mean', 'Multiply', 'Add', 'Sub', 'RealDiv',
] as const;

const OURS = Symbol.for('tensorfleet.wasmTrainingKernel');

function isOurs(name: string): boolean {
  const config = tf.getKernel(name, 'wasm');
  return config !== undefined && (config.kernelFunc as { [OURS]?: boolean })[OURS] === true;
}

function register(name: string, kernelFunc: KernelFunc): void {
  const existing = tf.getKernel(name, 'wasm');
  if (existing !== undefined) {
    if (!originalWasmKernels.has(name)) originalWasmKernels.set(name, existing.kernelFunc as KernelFunc);
    tf.unregisterKernel(name, 'wasm');
  }
  (kernelFunc as { [OURS]?: boolean })[OURS] = true;
  // The replaced kernel's setupFunc (binding its C function) must still run when the backend initializes after
  // this call: ours delegate to it.
  const setupFunc = existing?.setupFunc;
  tf.registerKernel({ kernelName: name, backendName: 'wasm', kernelFunc: kernelFunc as tf.KernelFunc, ...(setupFunc ? { setupFunc } : {}) });
}

/**
 * Registers, for tfjs's 'wasm' backend, the training kernels tfjs-backend-wasm 4.22 lacks
 * (Conv2DBackpropFilter, DepthwiseConv2dNativeBackpropFilter, DepthwiseConv2dNativeBackpropInput) and faster
 * replacements for slow ones (BatchMatMul with a transposed operand, Conv2DBackpropInput, MaxPoolGrad, Tile,
 * a copying Identity and Cast to the same dtype,
 * per-channel Sum/Mean and channel-broadcast Multiply/Add/Sub/RealDiv; other cases go to wasm's own), all built from wasm's XNNPACK kernels.
 * Idempotent. Call it after `@tensorflow/tfjs-backend-wasm` is imported (importing that package registers its own
 * kernels, which would overwrite ours) and before or after `tf.setBackend('wasm')`; it throws a clear error when
 * the package is not loaded. `selectBackend` does all of this for you.
 *
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-wasm';
 * registerWasmTrainingKernels();
 * await tf.setBackend('wasm');
 * const { grads } = tf.variableGrads(() => loss(model.apply(x, { training: true })));
 * ```
 */
export function registerWasmTrainingKernels(): void {
  if (tf.getKernel('Conv2D', 'wasm') === undefined) {
    throw new Error(
      "registerWasmTrainingKernels: the wasm backend's kernels are not registered; import '@tensorflow/tfjs-backend-wasm' " +
        "first (or call selectBackend({ preferred: 'wasm' }), which does)",
    );
  }
  const kernels: Record<string, KernelFunc> = {
    BatchMatMul: batchMatMul as KernelFunc,
    Conv2DBackpropFilter: conv2dBackpropFilter as KernelFunc,
    Conv2DBackpropInput: conv2dBackpropInput as KernelFunc,
    DepthwiseConv2dNativeBackpropFilter: depthwiseBackpropFilter as KernelFunc,
    DepthwiseConv2dNativeBackpropInput: depthwiseBackpropInput as KernelFunc,
  };
  for (const [name, kernelFunc] of Object.entries(kernels)) {
    if (!isOurs(name)) register(name, kernelFunc);
  }
  const wrapping: Record<string, (original: KernelFunc | undefined) => unknown> = {
    Identity: makeIdentity,
    Cast: makeCast,
    MaxPoolGrad: makeMaxPoolGrad,
    Tile: makeTile,
    Sum: (o) => makeLeadingReduce('Sum', o),
    Mean: (o) => makeLeadingReduce('Mean', o),
    Multiply: (o) => makeChannelBinary('Multiply', o),
    Add: (o) => makeChannelBinary('Add', o),
    Sub: (o) => makeChannelBinary('Sub', o),
    RealDiv: (o) => makeChannelBinary('RealDiv', o),
  };
  for (const [name, make] of Object.entries(wrapping)) {
    if (isOurs(name)) continue;
    const original = originalWasmKernels.get(name) ?? (tf.getKernel(name, 'wasm')?.kernelFunc as KernelFunc | undefined);
    register(name, make(original) as KernelFunc);
  }
}
