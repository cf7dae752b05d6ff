import * as tf from '@tensorflow/tfjs';
import { initializer } from '../init/index.js';
import { l1, l1l2, l2, type Regularizer } from '../regularizers/index.js';
import { batchNorm, dropConnectDense, dropout, leanConv2d, leanDense, spatialDropout2d } from '../layers/index.js';
import { layerName, weightedLayerTypes, type KernelOptions, type LayerSpec, type ModelSpec, type RegularizerSpec } from './spec.js';
import { effectiveRegularizer, validateModelSpec } from './validate.js';

function kernelRegularizer(reg: RegularizerSpec | undefined): Regularizer | undefined {
  if (!reg) return undefined;
  if (reg.l1 && reg.l2) return l1l2({ l1: reg.l1, l2: reg.l2 });
  return reg.l1 ? l1(reg.l1) : l2(reg.l2!);
}

function kernelInitializer(layer: KernelOptions, spec: ModelSpec, seed: number | undefined) {
  const name = layer.kernelInitializer ?? spec.kernelInitializer ?? 'xavierUniform';
  // The fan mode only exists for He (Xavier averages both fans); the validator rejects initMode elsewhere.
  return initializer(name, { ...(layer.initMode ? { mode: layer.initMode } : {}), ...(seed === undefined ? {} : { seed }) });
}

/** Kernel-owning layers' shared options, resolved against the model-level defaults. */
function kernelArgs(layer: KernelOptions, spec: ModelSpec, seed: number | undefined) {
  return {
    useBias: layer.useBias ?? true,
    activation: layer.activation ?? 'linear',
    kernelInitializer: kernelInitializer(layer, spec, seed),
    kernelRegularizer: kernelRegularizer(effectiveRegularizer(layer.regularizer, spec.regularizer)),
  };
}

/** `afterData`: no layer before this one has weights, so its input needs no gradient. */
function makeLayer(layer: LayerSpec, index: number, spec: ModelSpec, afterData: boolean): tf.layers.Layer {
  // Stable names (not tfjs's global counters) so weight names, e.g. "dense_3/kernel", agree across processes.
  const name = layerName(layer, index);
  const seed = spec.seed === undefined ? undefined : spec.seed + index;
  switch (layer.type) {
    case 'conv2d':
      return leanConv2d({
        name,
        inputGradient: !afterData,
        filters: layer.filters,
        kernelSize: layer.kernelSize,
        strides: layer.strides ?? 1,
        padding: layer.padding ?? 'same',
        ...kernelArgs(layer, spec, seed),
      });
    case 'dense':
      return leanDense({ name, units: layer.units, inputGradient: !afterData, ...kernelArgs(layer, spec, seed) });
    case 'dropConnectDense':
      return dropConnectDense({ name, units: layer.units, dropRate: layer.dropRate, seed, ...kernelArgs(layer, spec, seed) });
    case 'batchNorm':
      return batchNorm({
        name,
        ...(layer.momentum === undefined ? {} : { momentum: layer.momentum }),
        ...(layer.rho === undefined ? {} : { rho: layer.rho }),
        ...(layer.epsilon === undefined ? {} : { epsilon: layer.epsilon }),
      });
    case 'relu':
      return tf.layers.activation({ name, activation: 'relu' });
    case 'activation':
      return tf.layers.activation({ name, activation: layer.activation });
    case 'softmax':
      return tf.layers.activation({ name, activation: 'softmax' });
    case 'maxPool2d':
    case 'avgPool2d': {
      const args = { name, poolSize: layer.poolSize, strides: layer.strides ?? layer.poolSize, padding: layer.padding ?? 'valid' };
      return layer.type === 'maxPool2d' ? tf.layers.maxPooling2d(args) : tf.layers.averagePooling2d(args);
    }
    case 'flatten':
      return tf.layers.flatten({ name });
    case 'dropout':
      return dropout({ name, rate: layer.rate, seed });
    case 'spatialDropout2d':
      return spatialDropout2d({ name, rate: layer.rate, seed });
  }
}

/**
 * Builds an uncompiled tfjs LayersModel from a {@link ModelSpec}, after validating it (a bad spec throws a
 * `ModelSpecError` naming the layer index and field). Spec layer i is `model.layers[i + 1]` (after the input layer)
 * and is named by its `name`, else `<type>_<i>`, so weight names (e.g. `dense_3/kernel`) are stable across processes.
 * Kernels get the model's `regularizer` unless a layer overrides it; tfjs adds those penalties to the loss in
 * `model.fit`, and core's trainer adds them too.
 *
 * @example
 * const model = buildModel(presetSpec('mlp'));
 * model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
 */
export function buildModel(spec: ModelSpec): tf.LayersModel {
  validateModelSpec(spec);
  // The functional API builds the graph at once, so model.calculateLosses() sees the kernel penalties before any call.
  const input = tf.input({ shape: spec.inputShape, name: 'input' });
  let output = input;
  spec.layers.forEach((layer, i) => {
    const afterData = !spec.layers.slice(0, i).some((l) => weightedLayerTypes.has(l.type));
    output = makeLayer(layer, i, spec, afterData).apply(output) as tf.SymbolicTensor;
  });
  return tf.model({ inputs: input, outputs: output, name: spec.name ?? 'classifier' });
}
