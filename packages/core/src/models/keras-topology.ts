/**
 * Stock tfjs/Keras LayersModel topology (the `modelTopology` of a model.json) → core's {@link ModelSpec}.
 *
 * Why translate rather than train the LayersModel as loaded: the parameter server, the workers, checkpoints, SyncBN
 * and the Keras export all work on ModelSpec models, whose layers are core's (torch-semantics BatchNorm with the fast
 * backward, seeded dropout masks keyed by worker and step, kernel regularizers the trainer adds to the loss). A
 * translated model trains exactly like a preset, travels in the job spec as plain JSON, and keeps the Keras layer
 * names, so the file's weights (and `init.from`, `freeze`) still match by name. The cost is a closed list of layer
 * classes; anything else is refused by name instead of being trained with other semantics.
 */
import type { ActivationName, InitializerName, KernelOptions, LayerSpec, ModelSpec, RegularizerSpec } from './spec.js';
import { activationNames } from './spec.js';
import { ModelSpecError, validateModelSpec } from './validate.js';

type Json = Record<string, unknown>;

/** One Keras layer's config, with the helpers a translator needs to read it and to refuse what core cannot train. */
class KerasLayer {
  constructor(readonly className: string, readonly config: Json) {}

  get name(): string {
    return String(this.config.name);
  }

  refuse(problem: string): never {
    throw new ModelSpecError(`${this.className} layer "${this.name}": ${problem}`);
  }

  /** A config value that must be absent/null/equal to `neutral` (something core's layer does not have). */
  requireNeutral(key: string, neutral: unknown, what: string): void {
    const v = this.config[key];
    if (v === undefined || v === null) return;
    if (JSON.stringify(v) !== JSON.stringify(neutral) && !(Array.isArray(v) && v.every((x) => JSON.stringify(x) === JSON.stringify(neutral)))) {
      this.refuse(`${key} ${JSON.stringify(v)} is not supported (${what})`);
    }
  }

  pair(key: string): number | [number, number] {
    const v = this.config[key];
    if (typeof v === 'number') return v;
    if (Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number')) return v as [number, number];
    return this.refuse(`${key}: expected a number or a pair, got ${JSON.stringify(v)}`);
  }

  padding(): 'same' | 'valid' {
    const p = this.config.padding ?? 'valid';
    if (p !== 'same' && p !== 'valid') this.refuse(`padding ${JSON.stringify(p)} is not supported (same, valid)`);
    return p;
  }

  channelsLast(): void {
    this.requireNeutral('data_format', 'channels_last', 'core works on NHWC images');
  }

  activation(): ActivationName {
    const a = (this.config.activation ?? 'linear') as string;
    if (!(activationNames as readonly string[]).includes(a)) this.refuse(`activation "${a}" is not supported (${activationNames.join(', ')})`);
    return a as ActivationName;
  }

  /** Keras kernel regularizer → core's: Keras' L2 penalty is l2·Σw², core's l2(λ) is (λ/2)·Σw², so λ = 2·l2. */
  regularizer(): RegularizerSpec | null {
    const r = this.config.kernel_regularizer as Json | null | undefined;
    if (!r) return null;
    const c = (r.config ?? {}) as Json;
    if (!/^(l1l2|l1_l2|l1|l2)$/i.test(String(r.class_name))) this.refuse(`kernel_regularizer ${String(r.class_name)} is not supported (L1L2, L1, L2)`);
    const l1 = typeof c.l1 === 'number' ? c.l1 : 0;
    const l2 = typeof c.l2 === 'number' ? c.l2 : 0;
    if (!l1 && !l2) return null;
    return { ...(l1 ? { l1 } : {}), ...(l2 ? { l2: 2 * l2 } : {}) };
  }

  /** Keras initializer → core's name. Only matters for weights the file does not carry (a fresh model, a new head). */
  initializer(): { kernelInitializer: InitializerName; initMode?: 'fanIn' | 'fanOut' } {
    const init = (this.config.kernel_initializer ?? { class_name: 'GlorotUniform' }) as Json;
    const cls = String(init.class_name);
    const c = (init.config ?? {}) as Json;
    const named: Record<string, InitializerName> = {
      GlorotUniform: 'xavierUniform', GlorotNormal: 'xavierNormal', HeUniform: 'heUniform', HeNormal: 'heNormal', Zeros: 'zeros', Ones: 'ones',
    };
    if (named[cls]) return { kernelInitializer: named[cls]! };
    if (cls === 'VarianceScaling') {
      // tfjs's 'normal' is a 2σ-truncated normal; core's normal initializers are torch's untruncated ones.
      const dist = c.distribution === 'uniform' ? 'Uniform' : 'Normal';
      if (c.scale === 1 && c.mode === 'fan_avg') return { kernelInitializer: `xavier${dist}` as InitializerName };
      if (c.scale === 2 && (c.mode === 'fan_in' || c.mode === 'fan_out')) {
        return { kernelInitializer: `he${dist}` as InitializerName, initMode: c.mode === 'fan_in' ? 'fanIn' : 'fanOut' };
      }
    }
    return this.refuse(`kernel_initializer ${cls} ${JSON.stringify(c)} is not supported (Glorot/He uniform or normal, Zeros, Ones)`);
  }

  kernelOptions(): KernelOptions {
    for (const key of ['bias_regularizer', 'activity_regularizer', 'kernel_constraint', 'bias_constraint']) this.requireNeutral(key, null, 'core has none');
    const reg = this.regularizer();
    const init = this.initializer();
    return {
      name: this.name,
      useBias: this.config.use_bias !== false,
      activation: this.activation(),
      kernelInitializer: init.kernelInitializer,
      ...(init.initMode && init.initMode !== 'fanIn' ? { initMode: init.initMode } : {}),
      regularizer: reg,
    };
  }
}

/** How each supported Keras class becomes core layers. The keys are the supported list shown in refusals. */
const translators: Record<string, (l: KerasLayer) => LayerSpec> = {
  Dense: (l) => ({ type: 'dense', units: Number(l.config.units), ...l.kernelOptions() }),
  Conv2D: (l) => {
    l.channelsLast();
    l.requireNeutral('dilation_rate', 1, 'core convolutions are not dilated');
    l.requireNeutral('groups', 1, 'core convolutions are not grouped');
    return { type: 'conv2d', filters: Number(l.config.filters), kernelSize: l.pair('kernel_size'), strides: l.pair('strides'), padding: l.padding(), ...l.kernelOptions() };
  },
  BatchNormalization: (l) => {
    // The axis (-1, or Keras 2's [3] for NHWC) is checked to be the channel axis once the shapes are known.
    if (l.config.center === false || l.config.scale === false) l.refuse('center and scale must be true (core BatchNorm always has gamma and beta)');
    // Keras' momentum is the weight of the old average: core's rho.
    return { type: 'batchNorm', name: l.name, rho: Number(l.config.momentum ?? 0.99), epsilon: Number(l.config.epsilon ?? 1e-3) };
  },
  Activation: (l) => ({ type: 'activation', name: l.name, activation: l.activation() }),
  ReLU: (l) => {
    l.requireNeutral('negative_slope', 0, 'a plain ReLU');
    l.requireNeutral('threshold', 0, 'a plain ReLU');
    const max = l.config.max_value;
    if (max === 6) return { type: 'activation', name: l.name, activation: 'relu6' };
    if (max !== undefined && max !== null) l.refuse(`max_value ${JSON.stringify(max)} is not supported (none or 6)`);
    return { type: 'relu', name: l.name };
  },
  Softmax: (l) => ({ type: 'softmax', name: l.name }),
  MaxPooling2D: (l) => {
    l.channelsLast();
    return { type: 'maxPool2d', name: l.name, poolSize: l.pair('pool_size'), ...(l.config.strides ? { strides: l.pair('strides') } : {}), padding: l.padding() };
  },
  AveragePooling2D: (l) => {
    l.channelsLast();
    return { type: 'avgPool2d', name: l.name, poolSize: l.pair('pool_size'), ...(l.config.strides ? { strides: l.pair('strides') } : {}), padding: l.padding() };
  },
  Flatten: (l) => {
    l.channelsLast();
    return { type: 'flatten', name: l.name };
  },
  Dropout: (l) => {
    l.requireNeutral('noise_shape', null, 'core masks single activations');
    return { type: 'dropout', name: l.name, rate: Number(l.config.rate) };
  },
  SpatialDropout2D: (l) => {
    l.channelsLast();
    return { type: 'spatialDropout2d', name: l.name, rate: Number(l.config.rate) };
  },
};

/** Keras layer classes {@link modelSpecFromKeras} translates (InputLayer aside). */
export const supportedKerasLayers: readonly string[] = Object.keys(translators);

/** The input shape (without the batch dimension) a layer config declares, if any. */
function declaredInputShape(config: Json): number[] | null {
  const shape = (config.batch_input_shape ?? config.batch_shape) as unknown[] | undefined;
  if (!Array.isArray(shape)) return null;
  const dims = shape.slice(1);
  if (!dims.every((d) => typeof d === 'number' && Number.isInteger(d) && d > 0)) {
    throw new ModelSpecError(`layer "${String(config.name)}": input shape ${JSON.stringify(shape)} must be fixed (positive integers after the batch dimension)`);
  }
  return dims as number[];
}

/** The layers of a Sequential or a functional Model that is a plain chain (each layer fed by the one before). */
function chainOf(topology: Json): Json[] {
  const model = ((topology.model_config as Json | undefined) ?? topology) as Json;
  const className = String(model.class_name);
  const config = (model.config ?? {}) as Json;
  const layers = (Array.isArray(config) ? config : config.layers) as Json[] | undefined;
  if (!Array.isArray(layers) || layers.length === 0) throw new ModelSpecError(`model.json: modelTopology of class ${className} has no layers`);
  if (className === 'Sequential') return layers;
  if (className !== 'Model' && className !== 'Functional') throw new ModelSpecError(`model.json: a ${className} topology is not supported (Sequential or Model)`);
  layers.forEach((layer, i) => {
    const inbound = (layer.inbound_nodes ?? []) as unknown[][][];
    const sources = inbound.flat().map((n) => n[0]);
    const expected = i === 0 ? [] : [layers[i - 1]!.name];
    if (JSON.stringify(sources) !== JSON.stringify(expected)) {
      throw new ModelSpecError(
        `${String(layer.class_name)} layer "${String(layer.name)}": only a chain of layers is supported (each fed by the one before), ` +
          `it takes ${sources.length ? sources.map((s) => `"${String(s)}"`).join(', ') : 'no input'}`,
      );
    }
  });
  return layers;
}

/**
 * Translates a stock tfjs/Keras LayersModel topology (Sequential, or a functional Model that is a chain) into a
 * {@link ModelSpec} that keeps every layer's name. Throws a {@link ModelSpecError} naming the first layer core cannot
 * train, e.g. `LSTM layer "lstm_1" is not supported (supported: Dense, Conv2D, ...)`, or an option it does not have.
 * The last layer must output softmax probabilities (a Dense with activation 'softmax', or a Softmax/Activation layer).
 *
 * @example
 * const json = JSON.parse(readFileSync('model.json', 'utf8'));
 * const spec = modelSpecFromKeras(json.modelTopology);   // then buildModel(spec)
 */
export function modelSpecFromKeras(topology: unknown): ModelSpec {
  if (typeof topology !== 'object' || topology === null) throw new ModelSpecError('model.json: modelTopology must be an object');
  let inputShape: number[] | null = null;
  const layers: LayerSpec[] = [];
  // BatchNormalization and Softmax work on the last axis: -1, or its index counted with the batch dimension (Keras 2
  // writes [3] for NHWC), checked once the shapes are known.
  const lastAxes: unknown[] = [];
  for (const raw of chainOf(topology as Json)) {
    const className = String(raw.class_name);
    const config: Json = { ...((raw.config ?? {}) as Json), name: (raw.config as Json | undefined)?.name ?? raw.name };
    inputShape ??= declaredInputShape(config);
    if (className === 'InputLayer') continue;
    const translate = translators[className];
    if (!translate) {
      throw new ModelSpecError(`${className} layer "${String(config.name)}" is not supported (supported: ${supportedKerasLayers.join(', ')})`);
    }
    layers.push(translate(new KerasLayer(className, config)));
    lastAxes.push(className === 'Softmax' || className === 'BatchNormalization' ? config.axis : undefined);
  }
  if (!inputShape) throw new ModelSpecError('model.json: no layer declares the input shape (batch_input_shape)');
  const spec: ModelSpec = { inputShape, numClasses: 0, layers };
  const name = String(((topology as Json).config as Json | undefined)?.name ?? '');
  if (/^[A-Za-z][\w-]*$/.test(name)) spec.name = name;
  // The class count is what the chain outputs; validateModelSpec then checks the whole chain's shapes.
  spec.numClasses = outputUnits(spec);
  let shapes: number[][];
  try {
    shapes = validateModelSpec(spec);
  } catch (e) {
    // Name the Keras layer rather than a spec index the user never wrote.
    const m = /^layers\[(\d+)\][^:]*: (.*)$/s.exec((e as Error).message);
    if (m) throw new ModelSpecError(`layer "${layers[Number(m[1])]!.name}": ${m[2]}`);
    throw e;
  }
  lastAxes.forEach((raw, i) => {
    const axis = Array.isArray(raw) && raw.length === 1 ? raw[0] : raw;
    if (axis !== undefined && axis !== null && axis !== -1 && axis !== shapes[i]!.length) {
      const kind = layers[i]!.type === 'softmax' ? 'Softmax' : 'BatchNormalization';
      throw new ModelSpecError(`${kind} layer "${layers[i]!.name}": axis ${JSON.stringify(raw)} is not supported (the last, channel axis only)`);
    }
  });
  return spec;
}

/** Units of the last layer that sets a width (dense), i.e. the class count of a classifier chain. */
function outputUnits(spec: ModelSpec): number {
  for (let i = spec.layers.length - 1; i >= 0; i--) {
    const l = spec.layers[i]!;
    if (l.type === 'dense' || l.type === 'dropConnectDense') return l.units;
  }
  throw new ModelSpecError('model.json: the model has no Dense layer to output class probabilities');
}
