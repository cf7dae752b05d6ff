import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { buildModel } from './build.js';
import { readManifestWeights, readModelJson, weightShapes, type NamedWeights } from './named-weights.js';
import { layerName, weightedLayerTypes, type LayerSpec, type ModelSpec } from './spec.js';

/** What `freeze` may say: layer names, or every layer but the head (the last dense layer). */
export type FreezeSpec = string[] | 'all-but-head';

/** Where pretrained weights come from: the model.json of a tfjs/Keras export or of a tensorfleet checkpoint. */
function modelJsonOf(from: string): string {
  if (!existsSync(from)) throw new Error(`${from}: no such file or folder`);
  if (!statSync(from).isDirectory()) return from;
  // A run's checkpoint folder (latest.json names the newest), a run's output folder, or one checkpoint's folder.
  for (const pointer of [join(from, 'latest.json'), join(from, 'checkpoints', 'latest.json')]) {
    if (existsSync(pointer)) {
      const { checkpoint } = JSON.parse(readFileSync(pointer, 'utf8')) as { checkpoint: string };
      return join(pointer, '..', checkpoint, 'model.json');
    }
  }
  if (existsSync(join(from, 'model.json'))) return join(from, 'model.json');
  throw new Error(`${from}: holds no checkpoint (latest.json, checkpoints/latest.json) and no model.json`);
}

/**
 * Reads pretrained weights by name from a tensorfleet checkpoint folder (the newest checkpoint of a run's
 * `checkpoints/` folder, or of the run folder itself), one checkpoint's folder, or any tfjs/Keras `model.json` with its
 * weights. Only weights: optimizer, step and schedule of that run are not read.
 * @example
 * const weights = readPretrainedWeights('runs/base/checkpoints');
 */
export function readPretrainedWeights(from: string): NamedWeights {
  const path = modelJsonOf(from);
  const weights = readManifestWeights(path, readModelJson(path));
  if (!weights) throw new Error(`${path}: lists no weights (its weightsManifest is empty)`);
  return weights;
}

function headIndex(spec: ModelSpec): number {
  for (let i = spec.layers.length - 1; i >= 0; i--) {
    const type = spec.layers[i]!.type;
    if (type === 'dense' || type === 'dropConnectDense') return i;
  }
  throw new Error('the model has no dense layer to serve as its head');
}

/** Name of the model's head: its last dense layer, the one that outputs the class scores. */
export function headLayerName(spec: ModelSpec): string {
  const i = headIndex(spec);
  return layerName(spec.layers[i]!, i);
}

/**
 * The same spec with the head (last dense layer) producing `numClasses` outputs; the head keeps its name, so a
 * fine-tune's checkpoints stay name-compatible with the run they started from.
 * @example
 * const spec = withClassCount(readTfjsModel('base/model.json').spec, 3);
 */
export function withClassCount(spec: ModelSpec, numClasses: number): ModelSpec {
  const i = headIndex(spec);
  const head = spec.layers[i]! as Extract<LayerSpec, { units: number }>;
  const layers = spec.layers.map((l, j) => (j === i ? { ...head, name: layerName(head, i), units: numClasses } : l));
  return { ...spec, numClasses, layers };
}

/** Output width of a spec's head as a set of weights holds it (the last dimension of its kernel), if they hold it. */
export function headClassesIn(spec: ModelSpec, weights: NamedWeights): number | null {
  const kernel = weights.get(`${headLayerName(spec)}/kernel`);
  return kernel ? kernel.shape[kernel.shape.length - 1]! : null;
}

/**
 * Matches pretrained weights to a spec's model by name and shape and returns the weights to load into it. Every
 * weight of the model must be in `weights` with its shape (the error names the first that is not), except the head's
 * when `newHead` is set and the class counts differ: the head then keeps its fresh initialization. Weights the
 * pretrained model has and this one does not are an error too (a different architecture), but for that replaced head.
 * @example
 * const init = pretrainedInit(spec, readPretrainedWeights('runs/base/checkpoints'), { newHead: true });
 * assignNamedWeights(model, init);
 */
export function pretrainedInit(spec: ModelSpec, weights: NamedWeights, options: { newHead?: boolean } = {}): NamedWeights {
  const head = headLayerName(spec);
  const pretrainedClasses = headClassesIn(spec, weights);
  const replaceHead = pretrainedClasses !== null && pretrainedClasses !== spec.numClasses;
  if (replaceHead && !options.newHead) {
    throw new Error(`the pretrained head "${head}" has ${pretrainedClasses} classes, the model ${spec.numClasses}; set newHead: true to replace it`);
  }
  const isHead = (name: string) => name.startsWith(`${head}/`);
  const model = buildModel(spec);
  let shapes: Map<string, number[]>;
  try {
    shapes = weightShapes(model);
  } finally {
    model.dispose();
  }
  const out: NamedWeights = new Map();
  for (const [name, shape] of shapes) {
    if (replaceHead && isHead(name)) continue;
    const w = weights.get(name);
    if (!w) {
      const have = [...weights.keys()].slice(0, 8).join(', ');
      throw new Error(`no weight "${name}" of shape [${shape.join(',')}] in the pretrained model (it has ${have}${weights.size > 8 ? ', ...' : ''})`);
    }
    if (w.shape.join() !== shape.join()) throw new Error(`weight "${name}" has shape [${w.shape.join(',')}] in the pretrained model, [${shape.join(',')}] in this one`);
    out.set(name, w);
  }
  for (const name of weights.keys()) {
    if (!shapes.has(name) && !(replaceHead && isHead(name))) throw new Error(`the pretrained model has weight "${name}", which this model does not`);
  }
  return out;
}

/**
 * Resolves a `freeze` setting to layer names of the spec, each checked to exist: `'all-but-head'` is every layer
 * with weights except the head (the last dense layer).
 * @example
 * frozenLayerNames(spec, 'all-but-head');   // ['conv2d_0', 'batchNorm_1', ...]
 */
export function frozenLayerNames(spec: ModelSpec, freeze: FreezeSpec): string[] {
  const names = spec.layers.map((l, i) => layerName(l, i));
  if (freeze === 'all-but-head') {
    const head = headLayerName(spec);
    return names.filter((name, i) => weightedLayerTypes.has(spec.layers[i]!.type) && name !== head);
  }
  if (!Array.isArray(freeze)) throw new Error(`expected a list of layer names or 'all-but-head', got ${JSON.stringify(freeze)}`);
  for (const name of freeze) {
    if (!names.includes(name)) throw new Error(`no layer "${name}" in the model (layers: ${names.join(', ')})`);
  }
  return [...new Set(freeze)];
}
