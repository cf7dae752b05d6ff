import { closeSync, fsyncSync, lstatSync, openSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';

// Every temp file or folder names its writer (`<pid>@<host>`), so a later run can tell a dead writer's leftovers from
// a live writer's work in progress: a crash, or a full disk with retries, would otherwise pile them up forever.
const host = hostname().replace(/[^A-Za-z0-9.-]/g, '_') || 'localhost';
const writer = `${process.pid}@${host}`;
/** performance.timeOrigin is when this process started: a temp file of our own pid older than that is a predecessor's. */
const startedAt = performance.timeOrigin;
/** A temp file whose writer cannot be checked (another host, or a pid now reused) is stale after this long. */
export const STALE_TEMP_AGE_MS = 6 * 3600_000;

/** `base` + this process's temp tag: the name a file or folder is written under before it is renamed into place. */
export function tempName(base: string): string {
  return `${base}.tmp-${writer}`;
}

/** Writes `data` to `path` and fsyncs it (no rename: for files inside a temp folder that is renamed as a whole). */
export function writeFileSynced(path: string, data: Uint8Array | string): void {
  const fd = openSync(path, 'w');
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Fsyncs a folder, so a rename inside it survives a power cut. */
export function fsyncDir(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Replaces `path` atomically: a temp file written and fsynced, renamed over it, then the folder fsynced.
 * @example
 * writeFileAtomicSync('runs/x/checkpoints/latest.json', JSON.stringify({ checkpoint: 'ckpt-000000010' }));
 */
export function writeFileAtomicSync(path: string, data: Uint8Array | string): void {
  const tmp = tempName(path);
  try {
    writeFileSynced(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true }); // a full disk must not leave half a temp file behind
    throw e;
  }
  fsyncDir(dirname(path));
}

// The same three, off the event loop (libuv's threads): a checkpoint's fsyncs (~150 ms an epoch here) then no longer
// hold up the run's next steps.

/** {@link writeFileSynced}, asynchronously. */
export async function writeFileSyncedAsync(path: string, data: Uint8Array | string): Promise<void> {
  const file = await open(path, 'w');
  try {
    await file.writeFile(data);
    await file.sync();
  } finally {
    await file.close();
  }
}

/** {@link fsyncDir}, asynchronously. */
export async function fsyncDirAsync(path: string): Promise<void> {
  const dir = await open(path, 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

/** {@link writeFileAtomicSync}, asynchronously. */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const tmp = tempName(path);
  try {
    await writeFileSyncedAsync(tmp, data);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  await fsyncDirAsync(dirname(path));
}

/** `name`'s writer when it is a temp name ({@link tempName}, or the older `-<pid>`/`.tmp-<pid>` forms), else null. */
export function tempWriter(name: string): { pid: number; host: string } | null {
  const m = /(?:\.tmp-|^\.tmp-ckpt-\d+-)(\d+)(?:@([A-Za-z0-9._-]+))?$/.exec(name);
  return m ? { pid: Number(m[1]), host: m[2] ?? host } : null;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}

/**
 * Whether the temp file or folder `path` was left by a writer that is gone: on this host, a dead pid (or our own pid,
 * when the file predates this process); anywhere, an age past {@link STALE_TEMP_AGE_MS}. A live writer's temp is kept.
 */
export function isStaleTemp(path: string, name: string): boolean {
  const w = tempWriter(name);
  if (!w) return false;
  const mtime = lstatSync(path).mtimeMs;
  if (Date.now() - mtime > STALE_TEMP_AGE_MS) return true;
  if (w.host !== host) return false;
  if (w.pid === process.pid) return mtime < startedAt;
  return !alive(w.pid);
}

/**
 * Removes the stale temp files and folders ({@link isStaleTemp}) directly in `dir` and in its `subfolders`; returns the
 * paths removed. A missing folder has none.
 * @example
 * for (const p of removeStaleTemps('runs/x/checkpoints')) log.warn({ path: p }, 'removed a dead writer\'s temp folder');
 */
export function removeStaleTemps(dir: string, subfolders: (name: string) => boolean = () => false): string[] {
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return removed;
  }
  for (const name of names) {
    const path = join(dir, name);
    try {
      if (isStaleTemp(path, name)) {
        rmSync(path, { recursive: true, force: true });
        removed.push(path);
      } else if (subfolders(name) && lstatSync(path).isDirectory()) {
        removed.push(...removeStaleTemps(path));
      }
    } catch {
      // removed meanwhile by someone else
    }
  }
  return removed;
}
