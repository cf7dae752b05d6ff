// Loads the compiled addon. It is optional: `loadNativeKernels()` throws, with the reason, when it was not built.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const note = new URL('./build/unavailable.txt', import.meta.url);

let cached;

/**
 * The native kernels, or an Error saying why they are unavailable (not built: see build/unavailable.txt).
 *
 * @example
 * ```js
 * import { loadNativeKernels } from '@tensorfleet/native';
 * const native = loadNativeKernels();
 * native.setThreads(2);
 * console.log(native.info()); // { blas: 'OpenBLAS 0.3.21 ...', core: 'Haswell', convolutions: 'oneDNN 2.6.3', threads: 2 }
 * ```
 */
export function loadNativeKernels() {
  if (cached) return cached;
  try {
    cached = require('./build/Release/tensorfleet_native.node');
    return cached;
  } catch (err) {
    const why = existsSync(note) ? readFileSync(note, 'utf8').trim() : String(err instanceof Error ? err.message.split('\n')[0] : err);
    throw new Error(`@tensorfleet/native unavailable: ${why}`);
  }
}
