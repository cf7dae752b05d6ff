import * as tf from '@tensorflow/tfjs';
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { Packr } from 'msgpackr';
import type { NormalizationStats, OptimizerStateDict, SchedulerStateDict } from '@tensorfleet/core';
import { toStockTopology } from './keras-export.js';

// moreTypes keeps Float32Array buffers exact (the optimizer's state-dict note: default msgpackr packing is not).
const packr = new Packr({ moreTypes: true, useRecords: false });

/** Everything a resumed run needs besides the model file. */
export interface CheckpointState {
  runId: string;
  /** Global step: parameters are those in force from this step on. */
  step: number;
  /** Epoch the next step belongs to. */
  epoch: number;
  /** Data-order seed of the run. */
  dataSeed: number;
  parameters: Float32Array[];
  states: Float32Array[];
  optimizer: OptimizerStateDict;
  scheduler: SchedulerStateDict | null;
  /** Per-epoch summaries so far. */
  history: unknown[];
}

function writeFileSynced(path: string, data: Uint8Array | string): void {
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

function fsyncDir(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Atomically replaces `path`: temp file, fsync, rename, fsync of the folder. */
function writeAtomic(path: string, data: Uint8Array | string, dir: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSynced(tmp, data);
  renameSync(tmp, path);
  fsyncDir(dir);
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

/**
 * Writes checkpoint `ckpt-<step>` under `dir` atomically (a temp folder of fsynced files renamed into place, then the
 * `latest.json` pointer replaced the same way) and keeps the newest `keep`. The model must already hold the
 * checkpoint's parameters and states. Returns the checkpoint folder.
 * @example
 * await writeCheckpoint('runs/x', model, stats, state);
 */
export async function writeCheckpoint(
  dir: string,
  model: tf.LayersModel,
  normalization: NormalizationStats | null,
  state: CheckpointState,
  keep = 2,
): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const name = `ckpt-${String(state.step).padStart(9, '0')}`;
  const final = join(dir, name);
  const tmp = join(dir, `.tmp-${name}-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);
  const { modelJson, weights } = await modelArtifacts(model, { normalization, step: state.step, epoch: state.epoch, runId: state.runId });
  writeFileSynced(join(tmp, 'model.json'), modelJson);
  writeFileSynced(join(tmp, 'weights.bin'), weights);
  writeFileSynced(join(tmp, 'normalization.json'), JSON.stringify(normalization));
  writeFileSynced(join(tmp, 'state.msgpack'), packr.pack(state));
  fsyncDir(tmp);
  rmSync(final, { recursive: true, force: true });
  renameSync(tmp, final);
  fsyncDir(dir);
  writeAtomic(join(dir, 'latest.json'), JSON.stringify({ checkpoint: name, step: state.step, epoch: state.epoch }), dir);
  const old = readdirSync(dir).filter((f) => /^ckpt-\d+$/.test(f)).sort();
  for (const f of old.slice(0, Math.max(0, old.length - keep))) rmSync(join(dir, f), { recursive: true, force: true });
  return final;
}

/**
 * The newest checkpoint under `dir` (by latest.json), or null when there is none.
 * @example
 * const ckpt = readLatestCheckpoint('runs/x'); if (ckpt) optimizer.loadStateDict(ckpt.state.optimizer);
 */
export function readLatestCheckpoint(dir: string): { path: string; state: CheckpointState } | null {
  const pointer = join(dir, 'latest.json');
  if (!existsSync(pointer)) return null;
  const { checkpoint } = JSON.parse(readFileSync(pointer, 'utf8')) as { checkpoint: string };
  const path = join(dir, checkpoint);
  const state = packr.unpack(readFileSync(join(path, 'state.msgpack'))) as CheckpointState;
  const asF32 = (list: unknown[], what: string) =>
    list.map((t, i) => {
      if (!(t instanceof Float32Array)) throw new Error(`checkpoint ${path}: ${what}[${i}] is not a Float32Array`);
      return t;
    });
  state.parameters = asF32(state.parameters, 'parameters');
  state.states = asF32(state.states, 'states');
  return { path, state };
}
