// Public face of core/backend: which tfjs backend runs, and the wasm kernels that let it train.
export { selectBackend, backendPreferences } from './select-backend.js';
export type { BackendChoice, BackendPreference, SelectBackendOptions } from './select-backend.js';
export { registerWasmTrainingKernels, addedKernelNames, replacedKernelNames } from './wasm-kernels/register.js';
export { installNativeKernels, uninstallNativeKernels, nativeKernelNames } from './native-kernels/register.js';
export { loadNativeKernels } from './native-kernels/load.js';
