import { createHash } from 'node:crypto';
import { closeSync, copyFileSync, existsSync, linkSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { fileDigest } from '@tensorfleet/core';
import { DATA_CHUNK_BYTES, type DataFile, type FileChunkMessage, type FileRequestMessage, type Outgoing } from '@tensorfleet/protocol';

/** Where fetched data files are kept: $TENSORFLEET_CACHE, else ~/.cache/tensorfleet/data. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env['TENSORFLEET_CACHE'] || join(homedir(), '.cache', 'tensorfleet', 'data');
}

/** Chunk requests kept in flight: enough to hide the round trip, few enough to bound memory on both sides. */
const WINDOW = 8;

interface Download {
  file: DataFile;
  fd: number;
  next: number;
  received: number;
  lastHeard: number;
  done: () => void;
  failed: (e: Error) => void;
}

/**
 * Fetches data files from the parameter server over the worker's connection: `file-request` messages for
 * DATA_CHUNK_BYTES pieces (a window of them in flight), `file-chunk` answers written at their offsets. The caller
 * routes every incoming file-chunk to {@link receive}.
 *
 * @example
 * const fetcher = new DataFileFetcher((m) => client.send(m));
 * client.on('message', (m) => m.type === 'file-chunk' && fetcher.receive(m));
 * await fetcher.fetch(file, '/cache/ab12…');
 */
export class DataFileFetcher {
  private readonly active = new Map<string, Download>();

  constructor(
    private readonly send: (m: Outgoing<FileRequestMessage>) => boolean,
    private readonly timeoutMs = 60_000,
  ) {}

  /** Downloads `file` to `dest` (through a `.partial` file renamed at the end); resolves once every byte is written. */
  async fetch(file: DataFile, dest: string): Promise<void> {
    if (this.active.has(file.sha256)) throw new Error(`${file.path}: already being fetched`);
    const partial = `${dest}.${process.pid}.partial`; // workers of one host may share the cache
    const fd = openSync(partial, 'w');
    const watchdog = setInterval(() => {
      const d = this.active.get(file.sha256);
      if (d && Date.now() - d.lastHeard > this.timeoutMs) d.failed(new Error(`${file.path}: no data from the parameter server for ${this.timeoutMs} ms while fetching it`));
    }, Math.min(1000, this.timeoutMs));
    try {
      await new Promise<void>((resolve, reject) => {
        const d: Download = { file, fd, next: 0, received: 0, lastHeard: Date.now(), done: resolve, failed: reject };
        this.active.set(file.sha256, d);
        if (file.size === 0) return resolve();
        for (let k = 0; k < WINDOW; k++) this.requestNext(d);
      });
      closeSync(fd);
      renameSync(partial, dest);
    } catch (e) {
      closeSync(fd);
      rmSync(partial, { force: true });
      throw e;
    } finally {
      clearInterval(watchdog);
      this.active.delete(file.sha256);
    }
  }

  /** Takes one file-chunk (validated by the protocol: size, offset and length agree). */
  receive(m: FileChunkMessage): void {
    const d = this.active.get(m.sha256);
    if (!d) return; // a late answer for a finished or abandoned download
    if (m.size !== d.file.size) return d.failed(new Error(`${d.file.path}: the parameter server serves ${m.size} bytes, the job names ${d.file.size}`));
    writeSync(d.fd, m.data, 0, m.data.length, m.offset);
    d.received += m.data.length;
    d.lastHeard = Date.now();
    if (d.received >= d.file.size) return d.done();
    this.requestNext(d);
  }

  private requestNext(d: Download): void {
    if (d.next >= d.file.size) return;
    if (!this.send({ type: 'file-request', sha256: d.file.sha256, offset: d.next })) {
      return d.failed(new Error(`${d.file.path}: not connected to the parameter server while fetching it`));
    }
    d.next += DATA_CHUNK_BYTES;
  }
}

/** What {@link locateDataFiles} did for one file (for the worker's log). */
export interface LocatedFile {
  path: string;
  local: string;
  how: 'at-path' | 'cached' | 'fetched';
}

/**
 * Finds each of the job's data files on this machine: at its path when a file is there (its hash must match, else an
 * error names it), else in `cacheDir` under its sha256, else fetched from the parameter server into the cache and
 * checked. Returns where each file is; load the dataset from those places.
 *
 * @example
 * const located = await locateDataFiles(spec.dataFiles ?? [], { cacheDir: defaultCacheDir(), fetcher });
 */
export async function locateDataFiles(files: readonly DataFile[], { cacheDir, fetcher }: { cacheDir: string; fetcher: DataFileFetcher }): Promise<LocatedFile[]> {
  const located: LocatedFile[] = [];
  const mismatch = (where: string, file: DataFile, got: { size: number; sha256: string }) =>
    new Error(`${where}: has sha256 ${got.sha256} (${got.size} bytes) but the job names sha256 ${file.sha256} (${file.size} bytes) for ${file.path}`);
  for (const file of files) {
    if (existsSync(file.path)) {
      const got = fileDigest(file.path);
      if (got.sha256 !== file.sha256) throw mismatch(file.path, file, got);
      located.push({ path: file.path, local: file.path, how: 'at-path' });
      continue;
    }
    const cached = join(cacheDir, file.sha256);
    if (existsSync(cached) && fileDigest(cached).sha256 === file.sha256) {
      located.push({ path: file.path, local: cached, how: 'cached' });
      continue;
    }
    mkdirSync(cacheDir, { recursive: true });
    await fetcher.fetch(file, cached);
    const got = fileDigest(cached);
    if (got.sha256 !== file.sha256) {
      rmSync(cached, { force: true });
      throw mismatch(`${file.path} as fetched from the parameter server`, file, got);
    }
    located.push({ path: file.path, local: cached, how: 'fetched' });
  }
  return located;
}

/**
 * Where to read each path a dataset spec names, given the located files: a file is read where it was found; a folder
 * (an image folder, whose files the job names one by one) whose files came from the cache is rebuilt once under
 * `cacheDir/trees/` with links to the cached files, keyed by the hash of its listing.
 *
 * @example
 * loadDatasetSpec(spec.dataset, { locate: dataLocator(located, cacheDir) });
 */
export function dataLocator(located: readonly LocatedFile[], cacheDir: string): (absolutePath: string) => string {
  const byPath = new Map(located.map((f) => [f.path, f]));
  return (path) => {
    const file = byPath.get(path);
    if (file) return file.local;
    const inside = located.filter((f) => f.path.startsWith(path + sep));
    if (inside.every((f) => f.how === 'at-path')) return path;
    const listing = inside.map((f) => `${relative(path, f.path)}\0${f.local}`).sort().join('\n');
    const tree = join(cacheDir, 'trees', createHash('sha256').update(listing).digest('hex'));
    if (!existsSync(tree)) {
      const partial = `${tree}.${process.pid}.partial`;
      for (const f of inside) {
        const target = join(partial, relative(path, f.path));
        mkdirSync(dirname(target), { recursive: true });
        try {
          linkSync(f.local, target);
        } catch {
          copyFileSync(f.local, target); // another file system: a copy
        }
      }
      renameSync(partial, tree);
    }
    return tree;
  };
}
