import { isAbsolute, resolve } from 'node:path';
import type { NamedWeights } from './named-weights.js';
import { frozenLayerNames, pretrainedInit, readPretrainedWeights, withClassCount, type FreezeSpec } from './pretrained.js';
import type { ModelSpec } from './spec.js';

/** A train config's `init`: pretrained weights to start from, layers to freeze, a new head for another class count. */
export interface ModelInit {
  /** A tensorfleet run/checkpoint folder or a tfjs/Keras model.json (relative to `baseDir`). */
  from?: string;
  freeze?: FreezeSpec;
  /** Replace the head (last dense layer, fresh initialization) when the class count differs. */
  newHead?: boolean;
}

/** What a model and its init resolve to: the job's model spec, the weights a fresh run starts from, the frozen layers. */
export interface ResolvedModelInit {
  spec: ModelSpec;
  initialWeights: NamedWeights | null;
  /** Layer names for the trainer's `frozen` option (empty: nothing frozen). */
  frozen: string[];
}

/** Inputs of {@link resolveModelInit}. */
export interface ModelInitInput {
  spec: ModelSpec;
  /** The config field the model came from, for messages (e.g. 'model.tfjs'). */
  modelField: string;
  /** Weights that come with the model itself (a tfjs model.json's), used unless `init.from` is given. */
  ownWeights?: NamedWeights | null;
  init?: ModelInit;
  /** The data's class count. */
  data: { numClasses: number };
  /** Folder relative `init.from` paths resolve against (the config file's). */
  baseDir?: string;
}

/** An error about one config field: its message starts with the field's path, e.g. `init.from: ...`. */
export class ModelInitError extends Error {
  override name = 'ModelInitError';
  constructor(readonly field: string, problem: string) {
    super(`${field}: ${problem}`);
  }
}

/**
 * Resolves a model (whose input already fits the data) and the config's `init` against the data: matches pretrained weights by
 * name and shape (from `init.from`, else the model file's own), replaces the head when `newHead` is set and the class
 * count differs (an error naming both counts otherwise), and resolves `freeze`. Every error is a
 * {@link ModelInitError} naming the field (`model.tfjs`, `init.from`, `init.freeze`).
 * @example
 * const { spec, initialWeights, frozen } = resolveModelInit({
 *   spec: presetSpec('mnist-small-cnn', { numClasses: 3 }), modelField: 'model.preset',
 *   init: { from: 'runs/base', freeze: 'all-but-head', newHead: true }, data: { numClasses: 3 },
 * });
 */
export function resolveModelInit(input: ModelInitInput): ResolvedModelInit {
  const { modelField, init = {}, data } = input;
  let spec = input.spec;
  const field = init.from !== undefined ? 'init.from' : modelField;
  let weights = input.ownWeights ?? null;
  if (init.from !== undefined) {
    const from = isAbsolute(init.from) ? init.from : resolve(input.baseDir ?? process.cwd(), init.from);
    try {
      weights = readPretrainedWeights(from);
    } catch (e) {
      throw new ModelInitError('init.from', (e as Error).message);
    }
  }
  if (spec.numClasses !== data.numClasses) {
    if (!init.newHead) {
      throw new ModelInitError(modelField, `the model outputs ${spec.numClasses} classes, the data has ${data.numClasses}; set init.newHead: true to replace its head`);
    }
    spec = withClassCount(spec, data.numClasses);
  }
  let initialWeights: NamedWeights | null = null;
  if (weights) {
    try {
      initialWeights = pretrainedInit(spec, weights, { newHead: init.newHead === true });
    } catch (e) {
      throw new ModelInitError(field, (e as Error).message);
    }
  } else if (init.newHead || init.freeze) {
    throw new ModelInitError(init.newHead ? 'init.newHead' : 'init.freeze', 'needs pretrained weights: set init.from (or use a model file with weights)');
  }
  let frozen: string[] = [];
  if (init.freeze !== undefined) {
    try {
      frozen = frozenLayerNames(spec, init.freeze);
    } catch (e) {
      throw new ModelInitError('init.freeze', (e as Error).message);
    }
  }
  return { spec, initialWeights, frozen };
}
