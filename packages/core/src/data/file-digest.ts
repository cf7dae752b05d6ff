import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';

/**
 * A file's size and lowercase hex SHA-256, read in 1 MiB pieces (a dataset of gigabytes is never held whole): how a
 * job names its data files and how every process checks it has the same bytes.
 *
 * @example
 * const { size, sha256 } = fileDigest('train-images-idx3-ubyte');
 */
export function fileDigest(path: string): { size: number; sha256: string } {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const hash = createHash('sha256');
    const buf = Buffer.allocUnsafe(1 << 20);
    let size = 0;
    for (let n; (n = readSync(fd, buf, 0, buf.length, null)) > 0; size += n) hash.update(buf.subarray(0, n));
    return { size, sha256: hash.digest('hex') };
  } catch (e) {
    throw new Error(`${path}: cannot read dataset file (${(e as Error).message})`);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
