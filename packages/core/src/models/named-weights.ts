import * as tf from '@tensorflow/tfjs';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** A saved model's weights by name (`<layer>/<variable>`, e.g. `dense_3/kernel`), as float32 values with a shape. */
export type NamedWeights = Map<string, { shape: number[]; values: Float32Array }>;

/** A parsed tfjs model.json (the layers-model format tfjs's `model.save` writes). */
export interface TfjsModelJson {
  modelTopology: unknown;
  weightsManifest?: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  [key: string]: unknown;
}

/** Reads and parses a model.json, with errors naming the file. */
export function readModelJson(path: string): TfjsModelJson {
  if (!existsSync(path)) throw new Error(`${path}: no such file`);
  let json: TfjsModelJson;
  try {
    json = JSON.parse(readFileSync(path, 'utf8')) as TfjsModelJson;
  } catch (e) {
    throw new Error(`${path}: not a JSON file (${(e as Error).message.split('\n')[0]})`);
  }
  if (typeof json !== 'object' || json === null || typeof json.modelTopology !== 'object' || json.modelTopology === null) {
    throw new Error(`${path}: not a tfjs layers-model model.json (no modelTopology)`);
  }
  return json;
}

/**
 * The weights a model.json's manifest lists, read from the files next to it (decoded by tfjs, so quantized and
 * non-float32 weights load as tfjs loads them); null when the manifest lists none. A listed file that is missing or
 * too short is an error naming it.
 * @example
 * const weights = readManifestWeights('export/model.json', readModelJson('export/model.json'));
 */
export function readManifestWeights(path: string, json: TfjsModelJson): NamedWeights | null {
  const groups = json.weightsManifest ?? [];
  const specs = groups.flatMap((g) => g.weights ?? []);
  if (specs.length === 0) return null;
  const buffers = groups.flatMap((g) =>
    g.paths.map((p) => {
      const file = resolve(dirname(path), p);
      if (!existsSync(file)) throw new Error(`${path}: weights file ${p} is missing (looked for ${file})`);
      const b = readFileSync(file);
      return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
    }),
  );
  const data = tf.io.concatenateArrayBuffers(buffers);
  let tensors: tf.NamedTensorMap;
  try {
    tensors = tf.io.decodeWeights(data, specs);
  } catch (e) {
    throw new Error(`${path}: its weights files do not hold the weights the manifest lists (${(e as Error).message})`);
  }
  const weights: NamedWeights = new Map();
  for (const spec of specs) {
    const t = tensors[spec.name]!;
    weights.set(spec.name, { shape: [...t.shape], values: new Float32Array(t.dataSync()) });
  }
  tf.dispose(Object.values(tensors));
  return weights;
}

/** The weight names and shapes of a built model, in its weights' order. */
export function weightShapes(model: tf.LayersModel): Map<string, number[]> {
  return new Map(model.weights.map((w) => [w.originalName, [...(w.shape as number[])]]));
}

/**
 * Writes named weights into a model's variables (trainable and not), each checked for presence of the model's
 * weight and its shape first: all or nothing. Weights the map does not name keep their values.
 * @example
 * assignNamedWeights(model, pretrained);   // e.g. from pretrainedInit(...)
 */
export function assignNamedWeights(model: tf.LayersModel, weights: NamedWeights): void {
  const byName = new Map(model.weights.map((w) => [w.originalName, w]));
  for (const [name, w] of weights) {
    const v = byName.get(name);
    if (!v) throw new Error(`weight "${name}": the model has no such weight`);
    if (v.shape.join() !== w.shape.join()) throw new Error(`weight "${name}": shape [${w.shape.join(',')}] does not fit the model's [${v.shape.join(',')}]`);
  }
  tf.tidy(() => {
    for (const [name, w] of weights) byName.get(name)!.write(tf.tensor(w.values, w.shape, 'float32'));
  });
}
