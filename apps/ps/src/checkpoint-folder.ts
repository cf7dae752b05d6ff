import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { removeStaleTemps, tempName, writeFileSynced } from './atomic-file.js';

/** A folder that cannot be created or written to; the message names it and the system's reason. */
export class FolderNotWritableError extends Error {
  override name = 'FolderNotWritableError';
  constructor(readonly folder: string, reason: string) {
    super(`${folder}: not writable (${reason})`);
  }
}

/**
 * Creates `folder` if needed and proves it takes a file (written, fsynced, removed), so an unwritable output folder is
 * found before training starts, not at the first checkpoint an epoch later. Throws {@link FolderNotWritableError}.
 * @example
 * assertWritableFolder('runs/latest'); // FolderNotWritableError: runs/latest: not writable (EACCES: permission denied, ...)
 */
export function assertWritableFolder(folder: string): void {
  const probe = tempName(join(folder, '.write-probe'));
  try {
    mkdirSync(folder, { recursive: true });
    writeFileSynced(probe, 'tensorfleet checks that it can write here\n');
  } catch (e) {
    throw new FolderNotWritableError(folder, (e as Error).message);
  } finally {
    try {
      rmSync(probe, { force: true });
    } catch {
      // the folder itself is the problem, reported above
    }
  }
}

/**
 * Readies a run's checkpoint folder: checks it is writable ({@link assertWritableFolder}) and removes the temp
 * files and folders dead writers left there and in its shard folders (a checkpoint or pointer write cut short by a
 * crash or a full disk). Returns one warning per removal.
 */
export function prepareCheckpointFolder(dir: string): string[] {
  assertWritableFolder(dir);
  return removeStaleTemps(dir, (name) => /^shard-\d+$/.test(name)).map((p) => `${p}: removed (a temp left by a writer that is gone)`);
}
