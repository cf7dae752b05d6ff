/**
 * Rewrites a tfjs model topology so stock tfjs (and Keras) can load it without tensorfleet's registered classes:
 * our layers become their stock inference equivalents, and training-only extras (custom initializers, penalties)
 * are replaced, because the saved weights make initializers irrelevant and penalties only matter in training.
 */

/** Layer classes of stock tfjs-layers that the exported topology may keep as they are. */
export const STOCK_LAYER_CLASSES = new Set([
  'InputLayer', 'Dense', 'Conv2D', 'Conv1D', 'DepthwiseConv2D', 'SeparableConv2D', 'Conv2DTranspose', 'BatchNormalization',
  'LayerNormalization', 'Activation', 'ReLU', 'LeakyReLU', 'ELU', 'Softmax', 'ThresholdedReLU', 'PReLU', 'MaxPooling2D',
  'AveragePooling2D', 'MaxPooling1D', 'AveragePooling1D', 'GlobalAveragePooling2D', 'GlobalMaxPooling2D', 'Flatten', 'Reshape',
  'Permute', 'Dropout', 'SpatialDropout1D', 'GaussianNoise', 'GaussianDropout', 'AlphaDropout', 'ZeroPadding2D', 'Cropping2D',
  'UpSampling2D', 'Add', 'Concatenate', 'Multiply', 'Average', 'Maximum', 'Minimum', 'RepeatVector', 'Embedding',
]);

const STOCK_INITIALIZERS = new Set([
  'Zeros', 'Ones', 'Constant', 'RandomNormal', 'RandomUniform', 'TruncatedNormal', 'VarianceScaling', 'GlorotUniform',
  'GlorotNormal', 'HeNormal', 'HeUniform', 'LeCunNormal', 'LeCunUniform', 'Orthogonal', 'Identity',
]);

type Json = Record<string, unknown>;

function stockLayer(className: string, config: Json): { class_name: string; config: Json } {
  if (STOCK_LAYER_CLASSES.has(className)) return { class_name: className, config };
  const base = { name: config.name, trainable: config.trainable ?? true };
  if (/batch_?norm/i.test(className)) {
    // Our BatchNorm keeps torch's momentum (weight of the new batch); Keras' is the weight of the old average.
    const torchMomentum = typeof config.momentum === 'number' ? config.momentum : 0.1;
    const rho = typeof config.rho === 'number' ? config.rho : 1 - torchMomentum;
    return {
      class_name: 'BatchNormalization',
      config: { ...base, axis: config.axis ?? -1, momentum: rho, epsilon: config.epsilon ?? 1e-5, center: true, scale: true },
    };
  }
  if (/drop_?connect/i.test(className)) {
    return {
      class_name: 'Dense',
      config: { ...base, units: config.units, activation: config.activation ?? 'linear', use_bias: config.use_bias ?? config.useBias ?? true },
    };
  }
  if (/dropout/i.test(className)) return { class_name: 'Dropout', config: { ...base, rate: config.rate ?? 0 } };
  throw new Error(`exportable topology: layer "${String(config.name)}" of class ${className} has no stock tfjs equivalent`);
}

function scrub(config: Json): Json {
  const out: Json = {};
  for (const [key, value] of Object.entries(config)) {
    if (key.endsWith('_initializer')) {
      const cls = (value as Json | null)?.class_name;
      out[key] = typeof cls === 'string' && STOCK_INITIALIZERS.has(cls) ? value : { class_name: 'Zeros', config: {} };
    } else if (key.endsWith('_regularizer') || key.endsWith('_constraint')) {
      out[key] = null; // training-time only; the loaded model is for inference
    } else {
      out[key] = value;
    }
  }
  return out;
}

/**
 * Returns a copy of a LayersModel topology (from `model.save` / `model.toJSON(null, false)`) whose every layer is a
 * stock tfjs class. Layer and weight names are kept, so the saved weights still match by name.
 * @example
 * const topology = toStockTopology(artifacts.modelTopology as object);
 */
export function toStockTopology(topology: object): Json {
  const copy = JSON.parse(JSON.stringify(topology)) as Json;
  const modelConfig = ((copy.model_config as Json | undefined) ?? copy).config as Json;
  const layers = modelConfig.layers as Json[];
  for (const layer of layers) {
    const converted = stockLayer(String(layer.class_name), scrub((layer.config as Json) ?? {}));
    layer.class_name = converted.class_name;
    layer.config = scrub(converted.config);
  }
  return copy;
}
