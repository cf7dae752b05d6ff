import { closeSync, openSync, readSync } from 'node:fs';
import { absoluteSource, fileDigest, resolvePath, sourceFiles } from '@tensorfleet/core';
import { DATA_CHUNK_BYTES, ProtocolError, type DataFile, type FileRequestMessage, type Peer, type TrainJobSpec } from '@tensorfleet/protocol';

/**
 * Names each of `paths` (absolute) with its size and sha256. A file that `pinned` names (e.g. a config fixing the
 * hashes) must have exactly that content, else an error names the file and both hashes; a pinned file the dataset
 * does not read is an error too.
 *
 * @example
 * const dataFiles = describeDataFiles(['/data/train-images-idx3-ubyte', '/data/train-labels-idx1-ubyte']);
 */
export function describeDataFiles(paths: readonly string[], pinned: readonly DataFile[] = []): DataFile[] {
  const stray = pinned.find((p) => !paths.includes(p.path));
  if (stray) throw new Error(`dataFiles: names ${stray.path}, which the dataset does not read (it reads ${paths.join(', ') || 'no files'})`);
  return [...new Set(paths)].map((path) => {
    const { size, sha256 } = fileDigest(path);
    const expected = pinned.find((f) => f.path === path);
    if (expected && (expected.sha256 !== sha256 || expected.size !== size)) {
      throw new Error(`${path}: has sha256 ${sha256} (${size} bytes) but the job names sha256 ${expected.sha256} (${expected.size} bytes)`);
    }
    return { path, size, sha256 };
  });
}

/**
 * The job as the parameter server hands it out: the dataset's paths made absolute (against `baseDir`) so they mean
 * the same files everywhere, and `dataFiles` naming each file the dataset reads with its size and sha256, so a worker
 * on another host knows what to fetch and every worker can check its copy.
 *
 * @example
 * const job = withDataFiles(validateTrainJobSpec(o.job), o.baseDir ?? process.cwd());
 */
export function withDataFiles(job: TrainJobSpec, baseDir: string): TrainJobSpec {
  const ctx = { baseDir };
  const source = absoluteSource(job.dataset.source, ctx) as TrainJobSpec['dataset']['source'];
  const pinned = (job.dataFiles ?? []).map((f) => ({ ...f, path: resolvePath(f.path, ctx) }));
  return { ...job, dataset: { ...job.dataset, source }, dataFiles: describeDataFiles(sourceFiles(source, ctx), pinned) };
}

/**
 * Serves a job's data files to its workers, chunk by chunk (`file-request` → `file-chunk`), by content hash: only the
 * files the job names can be read, whatever a worker asks for, so no request reaches another path.
 *
 * @example
 * const files = new DataFileServer(job.dataFiles ?? []);
 * peer.on('message', (m) => { if (m.type === 'file-request') files.answer(peer, m); });
 */
export class DataFileServer {
  private readonly byHash = new Map<string, DataFile>();

  /** `files` as {@link withDataFiles} names them (absolute paths). */
  constructor(files: readonly DataFile[]) {
    for (const file of files) this.byHash.set(file.sha256, file);
  }

  /** Sends the requested chunk, or refuses (closing the connection) a hash the job does not name or a bad offset. */
  answer(peer: Peer, m: FileRequestMessage): void {
    const file = this.byHash.get(m.sha256);
    if (!file) return peer.fail(new ProtocolError('bad-field', `"file-request".sha256: no data file of this job has sha256 ${m.sha256}`));
    if (m.offset >= file.size && !(m.offset === 0 && file.size === 0)) {
      return peer.fail(new ProtocolError('bad-field', `"file-request".offset: ${m.offset} is past the end of a ${file.size}-byte file`));
    }
    const length = Math.min(DATA_CHUNK_BYTES, file.size - m.offset);
    const data = Buffer.alloc(length);
    let fd: number | undefined;
    try {
      fd = openSync(file.path, 'r');
      let read = 0;
      for (let n; read < length && (n = readSync(fd, data, read, length - read, m.offset + read)) > 0; ) read += n;
      if (read !== length) throw new Error(`the file is shorter than the ${file.size} bytes named in the job`);
    } catch (e) {
      return peer.fail(new ProtocolError('refused', `data file ${file.path} cannot be served: ${(e as Error).message}`));
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
    peer.send({ type: 'file-chunk', sha256: m.sha256, offset: m.offset, size: file.size, data });
  }
}
