import type { InitializerName } from '../init/initializer-names.js';

/**
 * The JSON model spec: a plain, serializable description of a feed-forward classifier that {@link buildModel} turns
 * into a tfjs LayersModel. Shapes exclude the batch dimension and images are NHWC (height, width, channels).
 */

/** Element-wise activations accepted by `activation` fields (tfjs names). */
export const activationNames = ['relu', 'linear', 'sigmoid', 'tanh', 'elu', 'selu', 'softmax', 'relu6', 'softplus', 'swish'] as const;
export type ActivationName = (typeof activationNames)[number];

/** Kernel initializers: core's `initializer` names, defined with it. */
export { initializerNames, type InitializerName } from '../init/initializer-names.js';

/** Weight penalty on kernels: l1 = λ·Σ|w|, l2 = (λ/2)·Σw² (gradient λ·w, torch SGD weight_decay=λ). */
export interface RegularizerSpec {
  l1?: number;
  l2?: number;
}

/** Every layer may carry a name (default `<type>_<index>`): weights are named `<name>/kernel` etc. */
export interface NamedLayer {
  /**
   * Layer name, unique in the model: letters, digits, `_`, `-`. Keeps a Keras/tfjs model's own names (so its
   * weights, `init.from` and `freeze` lists match by name); default `<type>_<index>`, e.g. `dense_3`.
   */
  name?: string;
}

/** The name layer `index` of a spec gets: its own `name`, else `<type>_<index>` (stable across processes). */
export function layerName(layer: LayerSpec, index: number): string {
  return layer.name ?? `${layer.type}_${index}`;
}

/** Options shared by the layers that own a kernel (conv2d, dense, dropConnectDense). */
export interface KernelOptions extends NamedLayer {
  /** Add a bias (default true; presets turn it off when BatchNorm follows, as its beta makes it redundant). */
  useBias?: boolean;
  /** Overrides the model's `kernelInitializer`. */
  kernelInitializer?: InitializerName;
  /** Fan used by He initializers (default 'fanIn'; Xavier always averages both fans). */
  initMode?: 'fanIn' | 'fanOut';
  /** Overrides the model's `regularizer` for this kernel; `null` turns it off. */
  regularizer?: RegularizerSpec | null;
  /** Activation fused into the layer (default 'linear'). */
  activation?: ActivationName;
}

export interface Conv2dLayerSpec extends KernelOptions {
  type: 'conv2d';
  filters: number;
  kernelSize: number | [number, number];
  strides?: number | [number, number];
  /** Default 'same'. */
  padding?: 'same' | 'valid';
}

export interface DenseLayerSpec extends KernelOptions {
  type: 'dense';
  units: number;
}

/** Dense layer whose kernel entries are dropped (DropConnect) during training. */
export interface DropConnectDenseLayerSpec extends KernelOptions {
  type: 'dropConnectDense';
  units: number;
  dropRate: number;
}

/** BatchNorm over the last (channel) axis. Give `momentum` (torch, weight of the new batch) or `rho` (lecture, 1 − momentum). */
export interface BatchNormLayerSpec extends NamedLayer {
  type: 'batchNorm';
  momentum?: number;
  rho?: number;
  epsilon?: number;
}

export interface ReluLayerSpec extends NamedLayer {
  type: 'relu';
}

export interface ActivationLayerSpec extends NamedLayer {
  type: 'activation';
  activation: ActivationName;
}

export interface Pool2dLayerSpec extends NamedLayer {
  type: 'maxPool2d' | 'avgPool2d';
  poolSize: number | [number, number];
  /** Defaults to poolSize. */
  strides?: number | [number, number];
  /** Default 'valid'. */
  padding?: 'same' | 'valid';
}

export interface FlattenLayerSpec extends NamedLayer {
  type: 'flatten';
}

/** Inverted dropout of single activations. */
export interface DropoutLayerSpec extends NamedLayer {
  type: 'dropout';
  rate: number;
}

/** Drops whole channels of NHWC feature maps (torch Dropout2d). */
export interface SpatialDropout2dLayerSpec extends NamedLayer {
  type: 'spatialDropout2d';
  rate: number;
}

export interface SoftmaxLayerSpec extends NamedLayer {
  type: 'softmax';
}

export type LayerSpec =
  | Conv2dLayerSpec
  | DenseLayerSpec
  | DropConnectDenseLayerSpec
  | BatchNormLayerSpec
  | ReluLayerSpec
  | ActivationLayerSpec
  | Pool2dLayerSpec
  | FlattenLayerSpec
  | DropoutLayerSpec
  | SpatialDropout2dLayerSpec
  | SoftmaxLayerSpec;

export type LayerType = LayerSpec['type'];

/** Layer types that own weights (kernels, biases, BN's gamma/beta and statistics). */
export const weightedLayerTypes: ReadonlySet<LayerType> = new Set<LayerType>(['conv2d', 'dense', 'dropConnectDense', 'batchNorm']);

/**
 * A classifier: input shape, class count and the layer stack. The last layer must produce `numClasses`
 * probabilities through a softmax.
 *
 * @example
 * const spec: ModelSpec = {
 *   inputShape: [784], numClasses: 10, regularizer: { l2: 1e-4 }, seed: 1,
 *   layers: [{ type: 'dense', units: 128, activation: 'relu' }, { type: 'dropout', rate: 0.5 },
 *            { type: 'dense', units: 10 }, { type: 'softmax' }],
 * };
 */
export interface ModelSpec {
  inputShape: number[];
  numClasses: number;
  layers: LayerSpec[];
  /** Applied to every kernel unless the layer sets its own `regularizer`. */
  regularizer?: RegularizerSpec;
  /** Default kernel initializer (default 'xavierUniform', tfjs's and Keras's glorotUniform). */
  kernelInitializer?: InitializerName;
  /** Makes initial weights and dropout masks reproducible: layer i uses seed + i. */
  seed?: number;
  /** Model name (default 'classifier'). */
  name?: string;
}
