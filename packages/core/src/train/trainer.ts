import * as tf from '@tensorflow/tfjs';
import { labelSmoothingCrossEntropy } from '../losses/index.js';
import { regularizationPenalty } from '../regularizers/index.js';
import { BatchNorm } from '../layers/index.js';
import { findNonFinite } from '../numeric/find-non-finite.js';
import { countTopK } from './accuracy.js';
import { readInto } from './read-into.js';

/** Options of {@link createTrainer}. */
export interface TrainerOptions {
  /** Label-smoothing ε of the cross-entropy (default 0: plain cross-entropy). */
  labelSmoothing?: number;
  /** 'uniform' (torch/Keras: ε/K everywhere) or 'seed' (the lecture: ε/(K−1) off target). Default 'uniform'. */
  smoothingFormula?: 'uniform' | 'seed';
  /**
   * Extra weight penalty on every kernel (weights named `.../kernel`), added to the model's own kernel regularizers:
   * l1 = λ·Σ|w|, l2 = (λ/2)·Σw².
   */
  regularizer?: { l1?: number; l2?: number };
  /**
   * Names of frozen layers (fine-tuning): their weights get no gradient (not computed; {@link Trainer.frozenParameters}
   * tells the optimizer which to leave alone) and their BatchNorm normalizes with its running statistics and keeps
   * them, as Keras' `trainable = false` does. The parameter layout stays that of the whole model.
   */
  frozen?: string[];
}

/** Loss, top-1 and top-5 accuracy (fractions), each the mean over `count` samples. */
export interface EvaluationResult {
  loss: number;
  top1: number;
  top5: number;
  count: number;
}

/** One-batch training and evaluation over a tfjs model, with parameters and states as flat Float32Arrays. */
export interface Trainer {
  /** Trainable weights' names (e.g. "dense_1/kernel") in the fixed order used by every array below. */
  readonly parameterNames: string[];
  readonly parameterShapes: number[][];
  /** frozenParameters[i]: parameter i belongs to a frozen layer; its gradient is always zero and no optimizer may move it. */
  readonly frozenParameters: boolean[];
  /** Non-trainable weights (BatchNorm moving mean/variance) in fixed order. */
  readonly stateNames: string[];
  readonly stateShapes: number[][];
  /** frozenStates[i]: state i is a frozen BatchNorm's running statistic, which training leaves as it is. */
  readonly frozenStates: boolean[];
  getParameters(): Float32Array[];
  /** Validates every array (count, length, finite) before writing any; copies them (the caller may reuse the arrays). */
  setParameters(values: Float32Array[]): void;
  getStates(): Float32Array[];
  /** As setParameters, for the BatchNorm states. */
  setStates(values: Float32Array[]): void;
  /**
   * Forward and backward on one batch in training mode (dropout on, BatchNorm on batch statistics and updating its
   * moving statistics). `loss` is the mean data loss plus every regularization penalty; `grads` follow
   * `parameterNames`; `correct` counts the rows whose top-1 prediction (in that same training-mode pass) is the label.
   * The model's weights are not changed. With `into` (one array per parameter, of its size), the gradients are
   * written there (e.g. straight into a push frame, no other copy) and `grads` holds `into`'s arrays.
   */
  computeGradients(x: tf.Tensor, labels: tf.Tensor1D, into?: Float32Array[]): { loss: number; grads: Float32Array[]; correct: number };
  /** Inference mode. `loss` is the mean (label-smoothed) data loss without regularization, as Keras evaluate reports it. */
  evaluate(x: tf.Tensor, labels: tf.Tensor1D): EvaluationResult;
  /** Releases the trainer's tensors (not the model's weights). */
  dispose(): void;
}

function checkOptions(options: TrainerOptions): void {
  const eps = options.labelSmoothing ?? 0;
  if (!(typeof eps === 'number' && eps >= 0 && eps < 1)) {
    throw new Error(`createTrainer: labelSmoothing must be a number in [0, 1), got ${JSON.stringify(options.labelSmoothing)}`);
  }
  const formula = options.smoothingFormula ?? 'uniform';
  if (formula !== 'uniform' && formula !== 'seed') {
    throw new Error(`createTrainer: smoothingFormula must be 'uniform' or 'seed', got ${JSON.stringify(formula)}`);
  }
  for (const key of ['l1', 'l2'] as const) {
    const v = options.regularizer?.[key];
    if (v !== undefined && !(typeof v === 'number' && Number.isFinite(v) && v >= 0)) {
      throw new Error(`createTrainer: regularizer.${key} must be a finite number ≥ 0, got ${JSON.stringify(v)}`);
    }
  }
  const frozen = options.frozen;
  if (frozen !== undefined && !(Array.isArray(frozen) && frozen.every((n) => typeof n === 'string'))) {
    throw new Error(`createTrainer: frozen must be a list of layer names, got ${JSON.stringify(frozen)}`);
  }
}

/** Marks the frozen layers (BatchNorm then uses its running statistics) and returns the names of their weights. */
function freezeLayers(model: tf.LayersModel, names: string[]): Set<string> {
  const weights = new Set<string>();
  for (const name of names) {
    const layer = model.layers.find((l) => l.name === name);
    if (!layer) throw new Error(`createTrainer: frozen layer "${name}" is not in the model (layers: ${model.layers.map((l) => l.name).join(', ')})`);
    if (layer instanceof BatchNorm) layer.frozen = true;
    for (const w of layer.weights) weights.add(w.originalName);
  }
  return weights;
}

const sizeOf = (w: tf.LayerVariable): number => w.shape.reduce((a: number, b) => a * (b as number), 1);

function copyOut(t: tf.Tensor): Float32Array {
  return new Float32Array(t.dataSync() as Float32Array);
}

/** Checks then writes values into weights: all or nothing. */
function assignAll(what: string, weights: tf.LayerVariable[], values: Float32Array[]): void {
  if (!Array.isArray(values) || values.length !== weights.length) {
    throw new Error(`${what}: expected ${weights.length} arrays, got ${Array.isArray(values) ? values.length : typeof values}`);
  }
  weights.forEach((w, i) => {
    const v = values[i];
    const size = w.shape.reduce((a: number, b) => a * (b as number), 1);
    if (!(v instanceof Float32Array)) throw new Error(`${what}[${i}] (${w.originalName}): expected a Float32Array`);
    if (v.length !== size) {
      throw new Error(`${what}[${i}] (${w.originalName}): expected ${size} values for shape [${w.shape.join(',')}], got ${v.length}`);
    }
    const j = findNonFinite(v);
    if (j >= 0) throw new Error(`${what}[${i}] (${w.originalName}): value ${j} is ${v[j]}, not finite`);
  });
  // tf.tensor hands the array itself to the backend: wasm copies it into its heap at once; cpu keeps it, and tfjs-node
  // and webgl keep it until first use. Copy for those, so the caller may reuse its arrays (a worker's shared-memory
  // read buffers).
  const backendCopies = BACKENDS_COPYING_ON_WRITE.has(tf.getBackend());
  tf.tidy(() => weights.forEach((w, i) => w.write(tf.tensor(backendCopies ? values[i]! : values[i]!.slice(), w.shape as number[], 'float32'))));
}

/** Backends whose write copies the values it is given at once (a tensor made from an array never shares it). */
const BACKENDS_COPYING_ON_WRITE = new Set(['wasm']);

function checkBatch(x: tf.Tensor, labels: tf.Tensor1D, numClasses: number, inputShape: (number | null)[]): void {
  if (!(labels instanceof tf.Tensor) || labels.rank !== 1) throw new Error('labels: expected a 1-D tensor of class ids');
  if (!(x instanceof tf.Tensor) || x.shape[0] !== labels.shape[0]) {
    throw new Error(`x: expected a tensor with ${labels.shape[0]} samples (one per label), got shape [${x?.shape?.join(',')}]`);
  }
  const expected = inputShape.slice(1);
  if (x.rank !== inputShape.length || expected.some((d, i) => d !== null && d !== x.shape[i + 1])) {
    throw new Error(`x: expected shape [N,${expected.join(',')}], got [${x.shape.join(',')}]`);
  }
  const ids = labels.dataSync();
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    if (!(Number.isInteger(id) && id >= 0 && id < numClasses)) {
      throw new Error(`labels[${i}]: expected a class id in [0, ${numClasses}), got ${id}`);
    }
  }
}

/**
 * Wraps a tfjs model (whose output is softmax probabilities) into the training step a data-parallel worker calls:
 * gradients as flat Float32Arrays in a fixed parameter order, loss including label smoothing and regularization
 * (the model's kernel regularizers plus `options.regularizer`), evaluation with top-1/top-5, and get/set of
 * parameters and BatchNorm states.
 *
 * @example
 * const model = buildModel(presetSpec('mlp'));
 * const trainer = createTrainer(model, { labelSmoothing: 0.1, regularizer: { l2: 5e-4 } });
 * const { loss, grads } = trainer.computeGradients(x, labels);   // x: [N,28,28,1], labels: int32 [N]
 * optimizer.step(grads);                                         // a core optimizer over trainer.getParameters()
 */
export function createTrainer(model: tf.LayersModel, options: TrainerOptions = {}): Trainer {
  checkOptions(options);
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new Error(`createTrainer: expected a model with one input and one output, got ${model.inputs.length} and ${model.outputs.length}`);
  }
  const outShape = model.outputs[0]!.shape;
  const numClasses = outShape[outShape.length - 1];
  if (outShape.length !== 2 || typeof numClasses !== 'number') {
    throw new Error(`createTrainer: expected a model output of shape [N, numClasses], got [${outShape.join(',')}]`);
  }
  const inputShape = model.inputs[0]!.shape;
  const params = model.trainableWeights;
  const states = model.nonTrainableWeights;
  const frozenWeights = freezeLayers(model, options.frozen ?? []);
  const frozenParameters = params.map((w) => frozenWeights.has(w.originalName));
  if (params.length > 0 && frozenParameters.every(Boolean)) throw new Error('createTrainer: every layer with parameters is frozen; nothing would train');
  const kernels = params.filter((w) => w.originalName.endsWith('/kernel'));
  const dataLoss = labelSmoothingCrossEntropy({
    epsilon: options.labelSmoothing ?? 0,
    formula: options.smoothingFormula ?? 'uniform',
    fromLogits: false,
  });
  const extraReg = options.regularizer && (options.regularizer.l1 || options.regularizer.l2) ? options.regularizer : undefined;
  let disposed = false;
  const alive = (): void => {
    if (disposed) throw new Error('Trainer: used after dispose()');
  };

  const forward = (x: tf.Tensor, training: boolean): tf.Tensor2D => model.apply(x, { training }) as tf.Tensor2D;

  return {
    parameterNames: params.map((w) => w.originalName),
    parameterShapes: params.map((w) => [...(w.shape as number[])]),
    frozenParameters,
    stateNames: states.map((w) => w.originalName),
    stateShapes: states.map((w) => [...(w.shape as number[])]),
    frozenStates: states.map((w) => frozenWeights.has(w.originalName)),
    getParameters: () => params.map((w) => copyOut(w.read())),
    setParameters: (values) => assignAll('setParameters', params, values),
    getStates: () => states.map((w) => copyOut(w.read())),
    setStates: (values) => assignAll('setStates', states, values),

    computeGradients(x, labels, into) {
      alive();
      checkBatch(x, labels, numClasses, inputShape);
      if (into !== undefined && (!Array.isArray(into) || into.length !== params.length || into.some((a, i) => !(a instanceof Float32Array) || a.length !== sizeOf(params[i]!)))) {
        throw new Error(`computeGradients: into must hold one Float32Array per parameter, of its size (${params.length} arrays)`);
      }
      // Frozen weights are not differentiated at all: their gradients are zeros without a backward pass through them.
      const variables = params.map((w) => w.read() as tf.Variable).filter((_, i) => !frozenParameters[i]);
      let correct: tf.Tensor | undefined;
      const { value, grads } = tf.tidy(() => {
        const yTrue = tf.oneHot(labels.toInt(), numClasses);
        return tf.variableGrads(() => {
          const probs = forward(x, true);
          // Training accuracy comes from the same forward pass (dropout on), so it costs one argmax, not a second pass.
          correct = tf.keep(probs.argMax(1).equal(labels.toInt()).sum());
          let loss = dataLoss(yTrue, probs);
          // The model's own kernel regularizers, as model.fit adds them.
          for (const penalty of model.calculateLosses()) loss = loss.add(penalty);
          if (extraReg) loss = loss.add(regularizationPenalty(kernels.map((w) => w.read()), extraReg));
          return loss as tf.Scalar;
        }, variables);
      });
      try {
        return {
          loss: value.dataSync()[0]!,
          correct: correct!.dataSync()[0]!,
          grads: params.map((w, i) => {
            const g = frozenParameters[i] ? undefined : grads[(w.read() as tf.Variable).name];
            // A parameter the loss does not reach (or a frozen one) has zero gradient (tfjs omits it).
            const out = into?.[i];
            if (!out) return g ? copyOut(g) : new Float32Array(sizeOf(w));
            if (g) readInto(g, out);
            else out.fill(0);
            return out;
          }),
        };
      } finally {
        value.dispose();
        correct?.dispose();
        tf.dispose(Object.values(grads));
      }
    },

    evaluate(x, labels) {
      alive();
      checkBatch(x, labels, numClasses, inputShape);
      const count = labels.shape[0];
      return tf.tidy(() => {
        const probs = forward(x, false);
        const loss = dataLoss(tf.oneHot(labels.toInt(), numClasses), probs).dataSync()[0]!;
        const top1 = countTopK(probs, labels, 1) / count;
        const top5 = countTopK(probs, labels, 5) / count;
        return { loss, top1, top5, count };
      });
    },

    dispose() {
      disposed = true;
    },
  };
}
