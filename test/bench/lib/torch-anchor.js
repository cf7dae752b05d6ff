// The PyTorch anchor of the compute and train benches must run on OpenBLAS, as a PyTorch user's does: Debian's
// torch reaches BLAS through libblas.so.3, which is the reference (netlib) BLAS unless OpenBLAS is installed, and
// that makes torch's Linear layers ~20x slower. This module installs OpenBLAS + torch when missing (as root, from
// Debian), pins the anchor to one thread, and tells a real anchor from a reference-BLAS run.
import { spawnSync } from 'node:child_process';
import { realpathSync } from 'node:fs';

export const python = '/usr/bin/python3';
const BLAS_LINK = '/usr/lib/x86_64-linux-gnu/libblas.so.3';
const PACKAGES = ['libopenblas0-pthread', 'python3-torch'];

/** Where libblas.so.3 points now (the alternatives system switches it to OpenBLAS when that is installed). */
export function systemBlas() {
  try {
    return realpathSync(BLAS_LINK);
  } catch {
    return `${BLAS_LINK} missing`;
  }
}

const torchImports = () => spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;

/**
 * Makes sure torch imports and libblas.so.3 is OpenBLAS, installing Debian's packages when not (needs root and the
 * apt sources). Returns null when ready, else why not. Progress goes to `log`.
 */
export function ensureTorchOnOpenBlas(log) {
  if (torchImports() && systemBlas().includes('openblas')) return null;
  if (process.getuid?.() !== 0) return `torch with OpenBLAS missing and not root to install it (apt-get install -y ${PACKAGES.join(' ')})`;
  log(`installing ${PACKAGES.join(' ')} for the PyTorch anchor (torch on OpenBLAS, as a PyTorch user has it)`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () => spawnSync('apt-get', ['install', '-y', '--no-install-recommends', ...PACKAGES], { encoding: 'utf8', env });
  let r = install();
  if (r.status !== 0) {
    spawnSync('apt-get', ['update'], { encoding: 'utf8', env });
    r = install();
  }
  if (r.status !== 0) return `apt-get install ${PACKAGES.join(' ')} failed: ${(r.stderr || r.stdout || '').trim().split('\n').pop()}`;
  if (!torchImports()) return 'torch still does not import after installing python3-torch';
  return systemBlas().includes('openblas') ? null : `libblas.so.3 is ${systemBlas()} after installing OpenBLAS`;
}

/**
 * The anchor's environment: one thread for torch's own pool (the scripts call torch.set_num_threads(1)) and for
 * OpenBLAS's, which Debian's torch does not bind through set_num_threads. OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE,
 * set on some processors here, pass through unchanged.
 */
export function anchorEnv() {
  return { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1' };
}

/** A torch run counts as the anchor only on OpenBLAS (`blas` as the Python scripts report it). */
export function isOpenBlasAnchor(blas) {
  return typeof blas?.library === 'string' && /openblas/i.test(blas.library);
}
