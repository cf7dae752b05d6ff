import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The file in every checkpoint folder that lists the others; written last, so its presence means the rest is there. */
export const MANIFEST_FILE = 'manifest.json';

/** Size and content hash of one checkpoint file. */
export interface ManifestEntry {
  size: number;
  sha256: string;
}

/** manifest.json: every other file of the checkpoint folder with its size and sha256. */
export interface CheckpointManifest {
  format: 'tensorfleet-checkpoint';
  version: 1;
  files: Record<string, ManifestEntry>;
  /** Sharded runs: the parameter shards' parts of this step, by path under the checkpoints folder (shard-k/part-N.msgpack). */
  shardParts?: Record<string, ManifestEntry>;
}

const SHARD_PART = /^shard-\d+\/part-\d+\.msgpack$/;

/** A checkpoint file that is missing, cut short, altered or unreadable; `file` is its path. */
export class CheckpointFileError extends Error {
  override name = 'CheckpointFileError';
  constructor(readonly file: string, problem: string) {
    super(`${file}: ${problem}`);
  }
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

const entriesOf = (files: Record<string, Uint8Array>) =>
  Object.fromEntries(Object.entries(files).map(([name, bytes]) => [name, { size: bytes.length, sha256: sha256(bytes) }]));

/**
 * The manifest of a checkpoint made of `files` (name → the bytes written) and, in a sharded run, the shards' parts of
 * its step (path under the checkpoints folder → bytes).
 * @example
 * writeFileSynced(join(tmp, MANIFEST_FILE), JSON.stringify(manifestOf({ 'weights.bin': weights })));
 */
export function manifestOf(files: Record<string, Uint8Array>, shardParts: Record<string, Uint8Array> = {}): CheckpointManifest {
  const manifest: CheckpointManifest = { format: 'tensorfleet-checkpoint', version: 1, files: entriesOf(files) };
  if (Object.keys(shardParts).length) manifest.shardParts = entriesOf(shardParts);
  return manifest;
}

/** Reads `name` in `folder`, naming the file when it cannot be read. */
export function readCheckpointFile(folder: string, name: string): Buffer {
  const path = join(folder, name);
  try {
    return readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CheckpointFileError(path, code === 'ENOENT' ? 'missing' : `unreadable (${(e as Error).message})`);
  }
}

/** Parses JSON `bytes` read from `path`, naming the file when it is not JSON. */
export function parseJsonFile(path: string, bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw new CheckpointFileError(path, `not valid JSON (${(e as Error).message})`);
  }
}

const isEntry = (e: ManifestEntry | undefined) => Number.isInteger(e?.size) && typeof e?.sha256 === 'string' && /^[0-9a-f]{64}$/.test(e.sha256);
const isEntries = (x: unknown, name: (n: string) => boolean) =>
  x !== null && typeof x === 'object' && Object.entries(x as Record<string, ManifestEntry>).every(([n, e]) => name(n) && isEntry(e));

function parseManifest(path: string, bytes: Buffer): CheckpointManifest {
  const m = parseJsonFile(path, bytes) as Partial<CheckpointManifest> | null;
  const ok = m?.format === 'tensorfleet-checkpoint' && m.version === 1 &&
    isEntries(m.files, (n) => /^[A-Za-z0-9._-]+$/.test(n) && n !== MANIFEST_FILE) &&
    (m.shardParts === undefined || isEntries(m.shardParts, (n) => SHARD_PART.test(n)));
  if (!ok) throw new CheckpointFileError(path, 'not a tensorfleet checkpoint manifest (format, version 1, files and shardParts: name → {size, sha256})');
  return m as CheckpointManifest;
}

/** Reads `folder`/`name` and checks it against its manifest entry, naming the file when it differs. */
function readChecked(folder: string, name: string, want: ManifestEntry): Buffer {
  const bytes = readCheckpointFile(folder, name);
  const path = join(folder, name);
  if (bytes.length !== want.size) throw new CheckpointFileError(path, `${bytes.length} bytes, the manifest says ${want.size} (truncated or overwritten)`);
  if (sha256(bytes) !== want.sha256) throw new CheckpointFileError(path, 'content differs from the manifest (sha256 mismatch: the file is corrupt)');
  return bytes;
}

/**
 * Reads every file the manifest of checkpoint `folder` lists (and the shards' parts beside it) and checks its size
 * and sha256; returns the folder's files by name, or null when the folder has no manifest (a checkpoint from before manifests). Throws a
 * {@link CheckpointFileError} naming the first file that is missing, of another size or of other content.
 * @example
 * const files = readVerifiedFiles('runs/x/checkpoints/ckpt-000000062'); // Map { 'model.json' => Buffer, ... }
 */
export function readVerifiedFiles(folder: string): Map<string, Buffer> | null {
  const manifestPath = join(folder, MANIFEST_FILE);
  let manifestBytes: Buffer;
  try {
    manifestBytes = readFileSync(manifestPath);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new CheckpointFileError(manifestPath, `unreadable (${(e as Error).message})`);
  }
  const manifest = parseManifest(manifestPath, manifestBytes);
  const files = new Map<string, Buffer>();
  for (const [name, want] of Object.entries(manifest.files)) files.set(name, readChecked(folder, name, want));
  // The shards read their own parts on resume; checked here so a broken part falls back like a broken file.
  for (const [name, want] of Object.entries(manifest.shardParts ?? {})) readChecked(dirname(folder), name, want);
  return files;
}
