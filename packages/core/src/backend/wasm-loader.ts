// Loads @tensorflow/tfjs-backend-wasm on demand. Importing it registers the 'wasm' backend with a priority above
// 'cpu', so a top-level import would silently move every tfjs user of core onto wasm: we import it only when a
// caller asks for it.
import { createRequire } from 'node:module';
import path from 'node:path';

let loaded: Promise<string> | undefined;

/**
 * Imports the wasm backend package and points it at its own dist folder for the .wasm binaries (in Node the
 * package cannot locate them by URL). Returns that folder. Safe to call repeatedly.
 */
export function loadWasmBackendPackage(): Promise<string> {
  loaded ??= (async () => {
    const require = createRequire(import.meta.url);
    const wasmDir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    wasm.setWasmPaths(wasmDir + path.sep);
    return wasmDir;
  })();
  loaded.catch(() => {
    loaded = undefined;
  });
  return loaded;
}
