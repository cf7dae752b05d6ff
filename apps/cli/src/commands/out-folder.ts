import { resolve } from 'node:path';
import { ConfigError } from '@tensorfleet/protocol';
import { assertWritableFolder } from '@tensorfleet/ps';

/**
 * Fails before any training when the run folder (`out`, `--out`) cannot be written: a usage error (exit 2) naming it,
 * instead of a failed checkpoint an epoch later.
 * @example
 * checkOutFolder(config.out); // ConfigError: out (--out): /data/run: not writable (EACCES: permission denied, ...)
 */
export function checkOutFolder(out: string): void {
  try {
    assertWritableFolder(resolve(out));
  } catch (e) {
    throw new ConfigError(`out (--out): ${(e as Error).message}`);
  }
}
