import { modelSpecFromKeras } from './keras-topology.js';
import { readManifestWeights, readModelJson, type NamedWeights } from './named-weights.js';
import type { ModelSpec } from './spec.js';

/** A stock tfjs/Keras model file as core trains it: the translated spec and the file's weights (null when it has none). */
export interface TfjsModel {
  spec: ModelSpec;
  weights: NamedWeights | null;
}

/**
 * Reads a tfjs layers-model `model.json` (as tfjs's `model.save('file://dir')` writes it: topology plus a weights
 * manifest naming `weights.bin` next to it) into a {@link ModelSpec} with the file's layer names, and its weights
 * when the manifest lists some. Errors name the file and the problem (a layer core cannot train, a missing weights
 * file, ...).
 * @example
 * const { spec, weights } = readTfjsModel('exported/model.json');
 * const model = buildModel(spec);
 * if (weights) assignNamedWeights(model, weights);
 */
export function readTfjsModel(path: string): TfjsModel {
  const json = readModelJson(path);
  let spec: ModelSpec;
  try {
    spec = modelSpecFromKeras(json.modelTopology);
  } catch (e) {
    throw new Error(`${path}: ${(e as Error).message.replace(/^model\.json: /, '')}`);
  }
  return { spec, weights: readManifestWeights(path, json) };
}
