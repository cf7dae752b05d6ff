import * as tf from '@tensorflow/tfjs';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Packr } from 'msgpackr';
import type { NormalizationStats, OptimizerStateDict, SchedulerStateDict } from '@tensorfleet/core';
import { fsyncDirAsync, tempName, writeFileAtomic, writeFileSyncedAsync } from './atomic-file.js';
import { CheckpointFileError, manifestOf, MANIFEST_FILE, parseJsonFile, readCheckpointFile, readVerifiedFiles } from './checkpoint-manifest.js';
import type { EpochTotals } from './epoch-totals.js';
import { toStockTopology } from './keras-export.js';

// moreTypes keeps Float32Array buffers exact (the optimizer's state-dict note: default msgpackr packing is not).
const packr = new Packr({ moreTypes: true, useRecords: false });

/** Version of the checkpoint layout: 2 = with manifest.json (a state of format 2 without a manifest is broken). */
export const CHECKPOINT_FORMAT = 2;
/** The pointer file naming the newest checkpoint folder (for people and tools; resume verifies what it names). */
export const LATEST_FILE = 'latest.json';
const FOLDER = /^ckpt-(\d+)$/;
/** The files of a checkpoint folder besides the manifest, in the order they are written. */
const FILES = ['model.json', 'weights.bin', 'normalization.json', 'state.msgpack'] as const;

/** Everything a resumed run needs besides the model file. */
export interface CheckpointState {
  /** {@link CHECKPOINT_FORMAT} of the writer; absent in checkpoints from before manifests. */
  format?: number;
  runId: string;
  /** Global step: parameters are those in force from this step on. */
  step: number;
  /** Epoch the next step belongs to. */
  epoch: number;
  /** Optimizer updates applied over the run so far; absent in checkpoints from before it was stored. */
  updates?: number;
  /** Data-order seed of the run. */
  dataSeed: number;
  parameters: Float32Array[];
  states: Float32Array[];
  optimizer: OptimizerStateDict;
  scheduler: SchedulerStateDict | null;
  /** Per-epoch summaries so far. */
  history: unknown[];
  /** A mid-epoch checkpoint: the sums of the epoch's steps so far, so the resumed epoch's line averages all its steps. */
  epochTotals?: EpochTotals | null;
}

/** The folder name of the checkpoint at `step`. */
export const checkpointName = (step: number) => `ckpt-${String(step).padStart(9, '0')}`;

/** Checkpoint folders (ckpt-<step>) under `dir`, newest first; none when `dir` does not exist. */
export function listCheckpoints(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.filter((f) => FOLDER.test(f)).sort().reverse();
}

/** The model in tfjs LayersModel format with only stock classes: model.json (topology + manifest) and weights.bin. */
export async function modelArtifacts(model: tf.LayersModel, metadata: Record<string, unknown>): Promise<{ modelJson: string; weights: Uint8Array }> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  const weightData = saved!.weightData!;
  const weights = new Uint8Array(tf.io.CompositeArrayBuffer.join(weightData as ArrayBuffer | ArrayBuffer[]));
  const modelJson = JSON.stringify({
    format: 'layers-model',
    generatedBy: `TensorFlow.js tfjs-layers v${tf.version_layers}`,
    convertedBy: 'tensorfleet',
    modelTopology: toStockTopology(saved!.modelTopology as object),
    weightsManifest: [{ paths: ['weights.bin'], weights: saved!.weightSpecs }],
    userDefinedMetadata: metadata,
  });
  return { modelJson, weights };
}

/** A checkpoint taken at its step, as bytes: {@link commitCheckpoint} writes it while the run goes on. */
export interface PreparedCheckpoint {
  dir: string;
  name: string;
  step: number;
  epoch: number;
  keep: number;
  files: Record<(typeof FILES)[number] | typeof MANIFEST_FILE, Uint8Array>;
}

/**
 * Takes checkpoint `ckpt-<step>` of `state` and the model (which must already hold the checkpoint's parameters and
 * states) as bytes, manifest.json (size and sha256 of each file) included. Nothing is written: the run may change
 * everything it was taken from as soon as this resolves. `shardParts` (a sharded run's parts of this step: path
 * under `dir` → bytes) go into the manifest too.
 */
export async function prepareCheckpoint(
  dir: string,
  model: tf.LayersModel,
  normalization: NormalizationStats | null,
  state: CheckpointState,
  keep = 2,
  shardParts: Record<string, Uint8Array> = {},
): Promise<PreparedCheckpoint> {
  const { modelJson, weights } = await modelArtifacts(model, { normalization, step: state.step, epoch: state.epoch, runId: state.runId });
  const files = {
    'model.json': Buffer.from(modelJson),
    'weights.bin': weights,
    'normalization.json': Buffer.from(JSON.stringify(normalization)),
    'state.msgpack': packr.pack({ ...state, format: CHECKPOINT_FORMAT }),
  };
  const manifest = Buffer.from(JSON.stringify(manifestOf(files, shardParts)));
  return { dir, name: checkpointName(state.step), step: state.step, epoch: state.epoch, keep, files: { ...files, [MANIFEST_FILE]: manifest } };
}

/**
 * Writes a prepared checkpoint under its `dir` atomically, off the event loop: a temp folder of fsynced files,
 * manifest.json last, renamed into place; then the `latest.json` pointer replaced the same way. Keeps the newest
 * `keep` (default 2: the newest and one to fall back to when the newest turns out broken) and the shards' parts of
 * those. Returns the checkpoint folder. One commit at a time per folder: the caller waits for one before the next.
 */
export async function commitCheckpoint(c: PreparedCheckpoint): Promise<string> {
  const final = join(c.dir, c.name);
  const tmp = tempName(final);
  await mkdir(c.dir, { recursive: true });
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp);
  try {
    for (const f of [...FILES, MANIFEST_FILE] as const) await writeFileSyncedAsync(join(tmp, f), c.files[f]);
    await fsyncDirAsync(tmp);
    await rm(final, { recursive: true, force: true });
    await rename(tmp, final);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true }); // e.g. a full disk: leave nothing half-written behind
    throw e;
  }
  await fsyncDirAsync(c.dir);
  await writeFileAtomic(join(c.dir, LATEST_FILE), JSON.stringify({ checkpoint: c.name, step: c.step, epoch: c.epoch }));
  for (const f of listCheckpoints(c.dir).slice(Math.max(1, c.keep))) {
    await rm(join(c.dir, f), { recursive: true, force: true });
    // and the shards' parts of that step (shard-k/part-N.msgpack), which nothing resumes from any more
    for (const shard of readdirSync(c.dir).filter((n) => /^shard-\d+$/.test(n))) await rm(join(c.dir, shard, `${f.replace('ckpt-', 'part-')}.msgpack`), { force: true });
  }
  return final;
}

/**
 * Takes and writes a checkpoint at once ({@link prepareCheckpoint}, then {@link commitCheckpoint}).
 * @example
 * await writeCheckpoint('runs/x', model, stats, state);
 */
export async function writeCheckpoint(...args: Parameters<typeof prepareCheckpoint>): Promise<string> {
  return commitCheckpoint(await prepareCheckpoint(...args));
}

/** The bytes tfjs needs for the weights of model.json's manifest (float32/int32: 4 bytes a value, bool: 1). */
function weightBytes(modelPath: string, modelJson: unknown): number {
  const groups = (modelJson as { weightsManifest?: unknown } | null)?.weightsManifest;
  if (!Array.isArray(groups)) throw new CheckpointFileError(modelPath, 'no weightsManifest');
  let bytes = 0;
  for (const spec of groups.flatMap((g: { weights?: unknown }) => (Array.isArray(g?.weights) ? g.weights : [null]))) {
    const { shape, dtype } = (spec ?? {}) as { shape?: unknown; dtype?: unknown };
    const width = dtype === 'float32' || dtype === 'int32' ? 4 : dtype === 'bool' ? 1 : 0;
    if (!width || !Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new CheckpointFileError(modelPath, `weightsManifest entry ${JSON.stringify(spec)} is not a float32/int32/bool weight with a shape`);
    }
    bytes += width * shape.reduce((a: number, b: number) => a * b, 1);
  }
  return bytes;
}

function unpackState(path: string, bytes: Buffer, step: number): CheckpointState {
  let state: CheckpointState;
  try {
    state = packr.unpack(bytes) as CheckpointState;
  } catch (e) {
    throw new CheckpointFileError(path, `not a readable checkpoint state (${(e as Error).message})`);
  }
  const bad = (what: string) => new CheckpointFileError(path, what);
  if (state === null || typeof state !== 'object') throw bad('not a checkpoint state (no fields)');
  if (state.step !== step) throw bad(`holds step ${String(state.step)}, its folder says step ${step}`);
  if (!Number.isInteger(state.epoch) || state.epoch < 0) throw bad(`epoch ${String(state.epoch)} is not a non-negative integer`);
  for (const what of ['parameters', 'states'] as const) {
    const list = state[what] as unknown;
    if (!Array.isArray(list)) throw bad(`${what} is not a list`);
    list.forEach((t, i) => {
      if (!(t instanceof Float32Array)) throw bad(`${what}[${i}] is not a Float32Array`);
    });
  }
  if (state.optimizer === null || typeof state.optimizer !== 'object') throw bad('optimizer state missing');
  if (!Array.isArray(state.history)) throw bad('history is not a list');
  if (state.updates !== undefined && !(Number.isInteger(state.updates) && state.updates >= 0)) throw bad(`updates ${String(state.updates)} is not a non-negative integer`);
  return state;
}

/**
 * Reads and verifies checkpoint folder `path`: every file against manifest.json (size, sha256), then the structure
 * (model.json parses and its weights manifest covers weights.bin exactly, normalization.json parses, state.msgpack
 * decodes to a state of this folder's step). A folder without a manifest is a checkpoint from before manifests: it is
 * accepted with `unverified` set (its structure is still checked; the previous release's runs stay resumable), unless
 * its state says it was written with one. Throws a {@link CheckpointFileError} naming the first bad file.
 * @example
 * const { state } = loadCheckpoint('runs/x/checkpoints/ckpt-000000062');
 */
export function loadCheckpoint(path: string): { path: string; state: CheckpointState; unverified: boolean } {
  const m = FOLDER.exec(path.split(/[\\/]/).pop() ?? '');
  if (!m) throw new CheckpointFileError(path, 'not a checkpoint folder (ckpt-<step>)');
  const verified = readVerifiedFiles(path);
  const file = (name: string) => verified?.get(name) ?? readCheckpointFile(path, name);
  const state = unpackState(join(path, 'state.msgpack'), file('state.msgpack'), Number(m[1]));
  if (!verified && state.format !== undefined) throw new CheckpointFileError(join(path, MANIFEST_FILE), 'missing');
  const modelPath = join(path, 'model.json');
  const need = weightBytes(modelPath, parseJsonFile(modelPath, file('model.json')));
  const weights = file('weights.bin');
  if (weights.length !== need) throw new CheckpointFileError(join(path, 'weights.bin'), `${weights.length} bytes, model.json's weights need ${need}`);
  parseJsonFile(join(path, 'normalization.json'), file('normalization.json'));
  return { path, state, unverified: !verified };
}

/** The newest usable checkpoint of a folder, and what was wrong with the ones (and the pointer) passed over. */
export interface LatestCheckpoint {
  path: string;
  state: CheckpointState;
  /** One sentence per problem seen on the way (each naming its file), for the log. */
  warnings: string[];
  /** Newer checkpoint folders that failed verification (resume sets them aside). */
  broken: string[];
}

/**
 * The newest checkpoint under `dir` that verifies ({@link loadCheckpoint}), or null when there is none. A broken
 * newest one falls back to the next older one, and a missing or garbled `latest.json` to the folders themselves,
 * each with a warning naming what was wrong. Throws, naming every bad file, when checkpoints exist but none is good.
 * @example
 * const ckpt = readLatestCheckpoint('runs/x'); if (ckpt) optimizer.loadStateDict(ckpt.state.optimizer);
 */
export function readLatestCheckpoint(dir: string): LatestCheckpoint | null {
  const folders = listCheckpoints(dir);
  const pointerPath = join(dir, LATEST_FILE);
  let pointerProblem: string | null = null;
  let named: string | null = null;
  if (existsSync(pointerPath)) {
    try {
      const pointer = parseJsonFile(pointerPath, readCheckpointFile(dir, LATEST_FILE)) as { checkpoint?: unknown } | null;
      const c = pointer?.checkpoint;
      if (typeof c !== 'string' || !FOLDER.test(c)) throw new CheckpointFileError(pointerPath, `names no checkpoint folder (got ${JSON.stringify(c)})`);
      if (!folders.includes(c)) throw new CheckpointFileError(pointerPath, `names ${c}, which does not exist`);
      named = c;
    } catch (e) {
      pointerProblem = (e as Error).message;
    }
  }
  const problems: string[] = []; // one per broken folder, newest first
  const broken: string[] = [];
  for (const f of folders) {
    try {
      const { path, state, unverified } = loadCheckpoint(join(dir, f));
      const warnings = [
        ...(pointerProblem ? [`${pointerProblem}; ignoring it`] : []),
        ...problems.map((p) => `${p}; falling back to an older checkpoint`),
      ];
      if (unverified) warnings.push(`${join(path, MANIFEST_FILE)}: missing (a checkpoint from before manifests): its structure is checked, its contents cannot be`);
      if (named && named !== f && !broken.includes(join(dir, named))) warnings.push(`${pointerPath} names ${named}, but ${f} is newer and complete`);
      if (broken.length) warnings.push(`${path}: verified; resuming from it (step ${state.step})`);
      return { path, state, warnings, broken };
    } catch (e) {
      problems.push((e as Error).message);
      broken.push(join(dir, f));
    }
  }
  if (!pointerProblem && folders.length === 0) return null;
  throw new Error(`no usable checkpoint in ${dir}: ${[...(pointerProblem ? [pointerProblem] : []), ...problems].join('; ')}`);
}
