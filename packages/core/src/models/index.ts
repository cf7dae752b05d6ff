// Public face of core/models: JSON model spec → tfjs LayersModel, and presets.
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
