// Puts the native (OpenBLAS) kernels in place of the wasm backend's own for the compute-heavy ops, and takes them
// out again, so that 'wasm' and 'native' can be selected in turn in one process.
import * as tf from '@tensorflow/tfjs';
import { dense, depthwise, makeConv2D, makeConv2DBackpropFilter, makeConv2DBackpropInput } from './conv2d.js';
import type { KernelFunc, NativeKernels } from './heap.js';
import { makeMatMul } from './mat-mul.js';
import { makeMaxPoolGrad } from './max-pool-grad.js';
import { binaryOpCodes, type BinaryKernelName, makeBinary, makeReduce } from './elementwise.js';
import { makeBatchNormKernels } from './batch-norm.js';
import { installReluGradient, makeReluGrad, reluGradKernelName, uninstallReluGradient } from './relu-gradient.js';
import { makeKeepMask } from './keep-mask.js';
import { nativeStepLoops } from './step-loops.js';
import { jsStepLoops, useStepLoops } from '../../numeric/step-loops.js';
import { keepMaskKernelName } from '../../layers/seed-stream.js';
import { fusedBatchNormKernels } from '../../layers/batch-norm-passes.js';

type Make = (native: NativeKernels, fallback: KernelFunc) => KernelFunc;

/** The kernels the addon takes over on the wasm backend; each falls back to the one it replaced for other cases. */
const nativeKernelMakers: Record<string, Make> = {
  BatchMatMul: (n, f) => makeMatMul(n, false, f),
  _FusedMatMul: (n, f) => makeMatMul(n, true, f),
  Conv2D: (n, f) => makeConv2D(n, dense, false, f),
  FusedConv2D: (n, f) => makeConv2D(n, dense, true, f),
  Conv2DBackpropInput: (n, f) => makeConv2DBackpropInput(n, dense, f),
  Conv2DBackpropFilter: (n, f) => makeConv2DBackpropFilter(n, dense, f),
  MaxPoolGrad: makeMaxPoolGrad,
  DepthwiseConv2dNative: (n, f) => makeConv2D(n, depthwise, false, f),
  FusedDepthwiseConv2D: (n, f) => makeConv2D(n, depthwise, true, f),
  DepthwiseConv2dNativeBackpropInput: (n, f) => makeConv2DBackpropInput(n, depthwise, f),
  DepthwiseConv2dNativeBackpropFilter: (n, f) => makeConv2DBackpropFilter(n, depthwise, f),
  Sum: (n, f) => makeReduce(n, 'Sum', f),
  Mean: (n, f) => makeReduce(n, 'Mean', f),
  ...Object.fromEntries(Object.keys(binaryOpCodes).map((name) => [name, (n: NativeKernels, f: KernelFunc) => makeBinary(n, name as BinaryKernelName, f)])),
};

/** Kernels tfjs has no counterpart of, which only the addon provides (BatchNorm's fused passes, ReLU's gradient, dropout masks). */
const fusedKernelNames: string[] = [...Object.values(fusedBatchNormKernels), reluGradKernelName, keepMaskKernelName];

export const nativeKernelNames = [...Object.keys(nativeKernelMakers), ...fusedKernelNames];

/** The configs ours replaced, restored by uninstallNativeKernels. Non-empty exactly while ours are registered. */
const replaced = new Map<string, tf.KernelConfig>();

/**
 * Registers the native kernels for the 'wasm' backend over whatever is registered now (wasm's own or our XNNPACK
 * compositions, which stay the fallback), and puts the addon's step loops (numeric/step-loops.ts) in use. Idempotent.
 * Call after registerWasmTrainingKernels.
 */
export function installNativeKernels(native: NativeKernels): void {
  if (replaced.size > 0) return;
  for (const [name, make] of Object.entries(nativeKernelMakers)) {
    const previous = tf.getKernel(name, 'wasm');
    if (previous === undefined) throw new Error(`installNativeKernels: wasm kernel '${name}' is not registered; load the wasm backend first`);
    replaced.set(name, previous);
    tf.unregisterKernel(name, 'wasm');
    // The replaced kernel's setupFunc binds its C function, which our fallback may still call: keep it running.
    const { setupFunc } = previous;
    tf.registerKernel({ kernelName: name, backendName: 'wasm', kernelFunc: make(native, previous.kernelFunc as KernelFunc) as tf.KernelFunc, ...(setupFunc ? { setupFunc } : {}) });
  }
  for (const [name, kernelFunc] of Object.entries({ ...makeBatchNormKernels(native), [reluGradKernelName]: makeReluGrad(native), [keepMaskKernelName]: makeKeepMask(native) })) {
    if (tf.getKernel(name, 'wasm') === undefined) tf.registerKernel({ kernelName: name, backendName: 'wasm', kernelFunc: kernelFunc as tf.KernelFunc });
  }
  installReluGradient();
  useStepLoops(nativeStepLoops(native)); // the parameter server's mean and SGD update, off V8's loops too
}

/** Restores the kernels installNativeKernels replaced (no-op when ours are not installed). */
export function uninstallNativeKernels(): void {
  for (const [name, previous] of replaced) {
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel(previous);
  }
  replaced.clear();
  for (const name of fusedKernelNames) if (tf.getKernel(name, 'wasm') !== undefined) tf.unregisterKernel(name, 'wasm');
  uninstallReluGradient();
  useStepLoops(jsStepLoops);
}

export function nativeKernelsInstalled(): boolean {
  return replaced.size > 0;
}
