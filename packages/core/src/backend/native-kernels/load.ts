// Imports the optional @tensorfleet/native addon (guarded: core does not depend on it at run time).
import { availableParallelism } from 'node:os';
import type { NativeKernels } from './heap.js';

// A variable specifier keeps bundlers and tsc from treating the optional package as a hard dependency.
const PACKAGE = '@tensorfleet/native';

/**
 * Loads the addon and sets its thread count; throws with the reason (package absent, addon not built and why).
 * threads: OpenBLAS threads for this process (default: every core; a local cluster passes cores / workers).
 */
export async function loadNativeKernels(threads: number = availableParallelism()): Promise<NativeKernels> {
  if (!Number.isInteger(threads) || threads < 1) throw new Error(`threads must be a positive integer, got ${threads}`);
  let mod: { loadNativeKernels(): NativeKernels };
  try {
    mod = (await import(PACKAGE)) as typeof mod;
  } catch (err) {
    throw new Error(`${PACKAGE} is not installed (${err instanceof Error ? err.message.split('\n')[0] : String(err)})`);
  }
  const native = mod.loadNativeKernels();
  native.setThreads(threads);
  return native;
}
