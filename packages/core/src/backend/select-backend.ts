// Picks the fastest tfjs backend this machine can run: tfjs-node-gpu > tfjs-node > native (wasm + OpenBLAS kernels)
// > wasm (+ our training kernels) > cpu.
import { availableParallelism } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { loadNativeKernels } from './native-kernels/load.js';
import { installNativeKernels, uninstallNativeKernels } from './native-kernels/register.js';
import { registerWasmTrainingKernels } from './wasm-kernels/register.js';
import { loadWasmBackendPackage } from './wasm-loader.js';

/** Names accepted by `preferred` and by the TENSORFLEET_BACKEND environment variable. */
export const backendPreferences = ['auto', 'tensorflow-gpu', 'tensorflow', 'native', 'wasm', 'cpu'] as const;
export type BackendPreference = (typeof backendPreferences)[number];

export interface SelectBackendOptions {
  /** Which backend to use; 'auto' (default) tries them fastest first. TENSORFLEET_BACKEND overrides it. */
  preferred?: BackendPreference;
  /** Receives the decision; defaults to one JSON line on stderr. Pass `() => {}` to silence. */
  log?: (decision: BackendChoice) => void;
  /** Environment to read TENSORFLEET_BACKEND from (tests); defaults to process.env. */
  env?: Record<string, string | undefined>;
  /**
   * Compute threads for the native kernels (OpenBLAS); default TENSORFLEET_THREADS, else every core. A machine
   * running several workers should give each cores / workers.
   */
  threads?: number;
}

export interface BackendChoice {
  /** tfjs backend name now active: 'tensorflow' (tfjs-node or tfjs-node-gpu), 'wasm' or 'cpu'. */
  name: string;
  /** Which preference won: as `name`, except 'native' (name 'wasm' with the OpenBLAS kernels registered). */
  selected: Exclude<BackendPreference, 'auto'>;
  /** Why this one: which option asked for it and what was tried before it. */
  reason: string;
}

type Attempt = (notes: string[], threads: number) => Promise<boolean>;

/**
 * Imports an optional native package guarded: tfjs-node(-gpu) are not dependencies (their install downloads
 * libtensorflow) and importing them throws when they are absent or their native library failed to load.
 */
async function tryImport(pkg: string, notes: string[]): Promise<boolean> {
  try {
    await import(pkg);
    return true;
  } catch (err) {
    const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
    notes.push(`${pkg} unavailable (${message})`);
    return false;
  }
}

async function activate(name: string, notes: string[]): Promise<boolean> {
  try {
    if (await tf.setBackend(name)) {
      await tf.ready();
      return true;
    }
    notes.push(`tf.setBackend('${name}') failed`);
  } catch (err) {
    notes.push(`tf.setBackend('${name}') threw: ${err instanceof Error ? err.message : String(err)}`);
  }
  return false;
}

const attempts: Record<Exclude<BackendPreference, 'auto'>, Attempt> = {
  // tfjs-node-gpu registers the same 'tensorflow' backend as tfjs-node; it only counts when TensorFlow sees a GPU.
  'tensorflow-gpu': async (notes) => {
    if (!(await tryImport('@tensorflow/tfjs-node-gpu', notes))) return false;
    if (!(await activate('tensorflow', notes))) return false;
    if (!hasUsableGpu()) {
      notes.push('@tensorflow/tfjs-node-gpu loaded but TensorFlow sees no GPU');
      return false;
    }
    return true;
  },
  tensorflow: async (notes) => (await tryImport('@tensorflow/tfjs-node', notes)) && (await activate('tensorflow', notes)),
  // The wasm backend with MatMul/Conv2D and their gradients on OpenBLAS, in place on the wasm heap.
  native: async (notes, threads) => {
    let native;
    try {
      native = await loadNativeKernels(threads);
    } catch (err) {
      notes.push(`native kernels unavailable (${err instanceof Error ? err.message : String(err)})`);
      return false;
    }
    if (!(await attempts.wasm(notes, threads))) return false;
    installNativeKernels(native);
    const { blas, core, convolutions } = native.info();
    const plural = threads === 1 ? '' : 's';
    notes[0] = `native kernels on ${blas.split(' ').slice(0, 2).join(' ')} (${core}), convolutions on ${convolutions}, ${threads} thread${plural}; ${notes[0]}`;
    return true;
  },
  wasm: async (notes) => {
    uninstallNativeKernels(); // 'wasm' means wasm's kernels (and ours built on them) alone
    try {
      await loadWasmBackendPackage();
    } catch (err) {
      notes.push(`@tensorflow/tfjs-backend-wasm unavailable (${err instanceof Error ? err.message : String(err)})`);
      return false;
    }
    registerWasmTrainingKernels();
    if (!(await activate('wasm', notes))) return false;
    // tfjs 4.22 turns wasm threads off in Node (tfjs issue #3830): one thread, SIMD when V8 validates it.
    const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    notes.unshift(`wasm ${simd ? 'SIMD' : 'without SIMD'}, 1 thread`);
    return true;
  },
  cpu: (notes) => activate('cpu', notes),
};

/** Asks the tfjs-node binding for GPU devices; tfjs exposes no API for it, so this probes what tfjs-node-gpu ships. */
function hasUsableGpu(): boolean {
  const binding = (tf.backend() as unknown as { binding?: { isUsingGpuDevice?: () => boolean } }).binding;
  if (typeof binding?.isUsingGpuDevice === 'function') return binding.isUsingGpuDevice();
  return true; // a GPU build that cannot tell: trust the user who installed it
}

function parsePreference(value: string, source: string): BackendPreference {
  if ((backendPreferences as readonly string[]).includes(value)) return value as BackendPreference;
  throw new Error(`${source}: unknown backend '${value}', expected one of ${backendPreferences.join(', ')}`);
}

/**
 * Activates the fastest available tfjs backend and returns (and logs) which one and why:
 * tfjs-node-gpu when installed and a GPU is usable, else tfjs-node, else native (wasm with MatMul/Conv2D and their
 * gradients on OpenBLAS, when @tensorfleet/native built), else wasm (with our training kernels registered), else cpu. `preferred` or the TENSORFLEET_BACKEND environment variable (which wins) picks one
 * instead; if that one cannot load, the next in that order is used and the reason says so.
 *
 * @example
 * ```ts
 * const { name, reason } = await selectBackend();            // e.g. { name: 'wasm', reason: 'auto: ...' }
 * await selectBackend({ preferred: 'cpu' });                  // force the pure-JS backend
 * await selectBackend({ preferred: 'native', threads: 1 });   // OpenBLAS kernels on one thread (else wasm)
 * // TENSORFLEET_BACKEND=wasm node train.js                   // force wasm from the environment
 * ```
 */
export async function selectBackend(options: SelectBackendOptions = {}): Promise<BackendChoice> {
  const env = options.env ?? process.env;
  const fromEnv = env['TENSORFLEET_BACKEND'];
  const requested =
    fromEnv !== undefined && fromEnv !== ''
      ? parsePreference(fromEnv, 'TENSORFLEET_BACKEND')
      : parsePreference(options.preferred ?? 'auto', 'selectBackend({ preferred })');
  const source = fromEnv !== undefined && fromEnv !== '' ? `TENSORFLEET_BACKEND=${fromEnv}` : options.preferred ? `preferred '${requested}'` : 'auto';
  const order: Array<Exclude<BackendPreference, 'auto'>> = ['tensorflow-gpu', 'tensorflow', 'native', 'wasm', 'cpu'];
  const threads = options.threads ?? parseThreads(env['TENSORFLEET_THREADS']);
  const candidates = requested === 'auto' ? order : order.slice(order.indexOf(requested));
  const notes: string[] = [];
  for (const candidate of candidates) {
    if (await attempts[candidate](notes, threads)) {
      const how = candidate === requested ? 'as requested' : requested === 'auto' ? 'fastest available' : `fallback for '${requested}'`;
      const extra = candidate === 'wasm' || candidate === 'native' ? '; wasm training kernels registered' : '';
      const choice = { name: tf.getBackend(), selected: candidate, reason: `${source}: ${candidate} (${how})${extra}${notes.length ? `; ${notes.join('; ')}` : ''}` };
      (options.log ?? defaultLog)(choice);
      return choice;
    }
  }
  throw new Error(`selectBackend: no tfjs backend could be activated (${notes.join('; ')})`);
}

function parseThreads(value: string | undefined): number {
  if (value === undefined || value === '') return availableParallelism();
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`TENSORFLEET_THREADS: expected a positive integer, got '${value}'`);
  return n;
}

function defaultLog(choice: BackendChoice): void {
  process.stderr.write(`${JSON.stringify({ msg: 'tfjs backend selected', backend: choice.name, reason: choice.reason })}\n`);
}
