// Public face of core/models: JSON model spec → tfjs LayersModel, presets, stock tfjs/Keras model files, pretrained weights.
export type {
  ActivationName,
  InitializerName,
  KernelOptions,
  LayerSpec,
  LayerType,
  ModelSpec,
  RegularizerSpec,
  Conv2dLayerSpec,
  DenseLayerSpec,
  DropConnectDenseLayerSpec,
  BatchNormLayerSpec,
  ReluLayerSpec,
  ActivationLayerSpec,
  Pool2dLayerSpec,
  FlattenLayerSpec,
  DropoutLayerSpec,
  SpatialDropout2dLayerSpec,
  SoftmaxLayerSpec,
} from './spec.js';
export { activationNames, initializerNames } from './spec.js';
export { ModelSpecError, validateModelSpec } from './validate.js';
export { buildModel } from './build.js';
export { presetNames, presetSpec } from './presets.js';
export type { PresetOptions } from './presets.js';
export { layerName } from './spec.js';
export type { NamedLayer } from './spec.js';
export { modelSpecFromKeras, supportedKerasLayers } from './keras-topology.js';
export { readTfjsModel, type TfjsModel } from './tfjs-model.js';
export { assignNamedWeights, readManifestWeights, readModelJson, weightShapes, type NamedWeights, type TfjsModelJson } from './named-weights.js';
export {
  frozenLayerNames, headClassesIn, headLayerName, pretrainedInit, readPretrainedWeights, withClassCount, type FreezeSpec,
} from './pretrained.js';
export { ModelInitError, resolveModelInit, type ModelInit, type ModelInitInput, type ResolvedModelInit } from './model-init.js';
