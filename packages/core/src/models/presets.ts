import type { InitializerName, LayerSpec, ModelSpec } from './spec.js';
import { ModelSpecError } from './validate.js';
import { initializerNames } from './spec.js';

/** Options every preset accepts; each has a sensible default per preset. */
export interface PresetOptions {
  /** Default [28, 28, 1] (MNIST); the MLP flattens any shape it is given. */
  inputShape?: number[];
  numClasses?: number;
  /** BatchNorm before each hidden activation (default: true for the convnets, false for the MLP). */
  bn?: boolean;
  /** Dropout after each hidden FC activation (default 0.5; the MLP's default is 0.2). */
  dropoutFc?: number;
  /** Spatial dropout after each conv block (default 0.05 for seed-convnet, 0 for mnist-small-cnn). */
  dropoutConv?: number;
  /** Kernel L2 (λ/2·Σw²) and L1 (λ·Σ|w|) on every kernel (default none). */
  l2?: number;
  l1?: number;
  /** Kernel initializer (default 'heNormal': the lecture's pick for ReLU nets). */
  init?: string;
  seed?: number;
}

/** The names {@link presetSpec} accepts. */
export const presetNames: string[] = ['mlp', 'mnist-small-cnn', 'seed-convnet'];

const presetOptionNames = ['inputShape', 'numClasses', 'bn', 'dropoutFc', 'dropoutConv', 'l2', 'l1', 'init', 'seed'];

interface Resolved {
  bn: boolean;
  dropoutFc: number;
  dropoutConv: number;
  init: InitializerName;
}

/** Hidden FC layer: dense → [BN] → ReLU → [dropout]; BN makes the bias redundant. */
function fcBlock(units: number, o: Resolved, bn = o.bn): LayerSpec[] {
  return [
    { type: 'dense', units, useBias: !bn },
    ...(bn ? [{ type: 'batchNorm' } as LayerSpec] : []),
    { type: 'relu' },
    ...(o.dropoutFc > 0 ? [{ type: 'dropout', rate: o.dropoutFc } as LayerSpec] : []),
  ];
}

/** Conv 3×3 same → [BN] → ReLU: the lecture's CONV-ReLU unit with BN before the activation. */
function convUnit(filters: number, o: Resolved): LayerSpec[] {
  return [
    { type: 'conv2d', filters, kernelSize: 3, padding: 'same', useBias: !o.bn },
    ...(o.bn ? [{ type: 'batchNorm' } as LayerSpec] : []),
    { type: 'relu' },
  ];
}

/** `convs` conv units then a 2×2 max-pool, then spatial dropout (after the pool, as the lecture places it). */
function convBlock(filters: number, convs: number, o: Resolved): LayerSpec[] {
  const layers: LayerSpec[] = [];
  for (let i = 0; i < convs; i++) layers.push(...convUnit(filters, o));
  layers.push({ type: 'maxPool2d', poolSize: 2 });
  if (o.dropoutConv > 0) layers.push({ type: 'spatialDropout2d', rate: o.dropoutConv });
  return layers;
}

const head = (numClasses: number): LayerSpec[] => [{ type: 'dense', units: numClasses }, { type: 'softmax' }];

function checkOptions(name: string, options: PresetOptions): void {
  if (typeof options !== 'object' || options === null) throw new ModelSpecError(`presetSpec('${name}'): options must be an object`);
  for (const key of Object.keys(options)) {
    if (!presetOptionNames.includes(key)) {
      throw new ModelSpecError(`presetSpec('${name}'): unknown option '${key}' (allowed: ${presetOptionNames.join(', ')})`);
    }
  }
  if (options.init !== undefined && !(initializerNames as readonly string[]).includes(options.init)) {
    throw new ModelSpecError(`presetSpec('${name}').init: expected one of ${initializerNames.join(', ')}, got ${JSON.stringify(options.init)}`);
  }
  if (options.bn !== undefined && typeof options.bn !== 'boolean') {
    throw new ModelSpecError(`presetSpec('${name}').bn: expected a boolean, got ${JSON.stringify(options.bn)}`);
  }
  for (const key of ['dropoutFc', 'dropoutConv'] as const) {
    const v = options[key];
    if (v !== undefined && !(typeof v === 'number' && v >= 0 && v < 1)) {
      throw new ModelSpecError(`presetSpec('${name}').${key}: expected a rate in [0, 1), got ${JSON.stringify(v)}`);
    }
  }
}

/**
 * A ready-made {@link ModelSpec}; pass it to `buildModel`. Presets:
 * - `mlp`: flatten → FC256 → FC128 (ReLU, dropout 0.2) → FC `numClasses` → softmax.
 * - `mnist-small-cnn`: conv16 3×3 same-BN-ReLU-maxpool2, conv32-BN-ReLU-maxpool2, flatten, FC128-ReLU (no BN),
 *   dropout 0.5, FC10 softmax.
 * - `seed-convnet`: the lecture's design guideline: CONV-ReLU-MaxPool blocks with C=32 ×2, C=64 ×3, C=128 ×3 convs
 *   (pool after each block), FC 512, FC `numClasses` softmax; BN before each activation, dropout after it (spatial
 *   0.05 after each conv block, 0.5 after the FC). Works for 28×28×1 and 32×32×3 inputs.
 * Options override the regularizer (l1/l2 on every kernel), dropout rates, BN, initializer and seed; the result is a
 * plain object that is validated when built, so it can also be edited first.
 *
 * @example
 * const spec = presetSpec('seed-convnet', { inputShape: [32, 32, 3], l2: 5e-4, seed: 7 });
 * const model = buildModel(spec);
 */
export function presetSpec(name: string, options: PresetOptions = {}): ModelSpec {
  checkOptions(name, options);
  const inputShape = options.inputShape ?? [28, 28, 1];
  const numClasses = options.numClasses ?? 10;
  const isMlp = name === 'mlp';
  const o: Resolved = {
    bn: options.bn ?? !isMlp,
    dropoutFc: options.dropoutFc ?? (isMlp ? 0.2 : 0.5),
    dropoutConv: options.dropoutConv ?? (name === 'seed-convnet' ? 0.05 : 0),
    init: (options.init as InitializerName | undefined) ?? 'heNormal',
  };
  let layers: LayerSpec[];
  switch (name) {
    case 'mlp':
      layers = [...(inputShape.length > 1 ? [{ type: 'flatten' } as LayerSpec] : []), ...fcBlock(256, o), ...fcBlock(128, o)];
      break;
    case 'mnist-small-cnn':
      layers = [...convBlock(16, 1, o), ...convBlock(32, 1, o), { type: 'flatten' }, ...fcBlock(128, o, false)];
      break;
    case 'seed-convnet':
      layers = [...convBlock(32, 2, o), ...convBlock(64, 3, o), ...convBlock(128, 3, o), { type: 'flatten' }, ...fcBlock(512, o)];
      break;
    default:
      throw new ModelSpecError(`presetSpec: unknown preset ${JSON.stringify(name)} (available: ${presetNames.join(', ')})`);
  }
  const spec: ModelSpec = { name: name.replace(/-/g, '_'), inputShape, numClasses, layers: [...layers, ...head(numClasses)], kernelInitializer: o.init };
  if (options.l1 || options.l2) spec.regularizer = { ...(options.l1 ? { l1: options.l1 } : {}), ...(options.l2 ? { l2: options.l2 } : {}) };
  if (options.seed !== undefined) spec.seed = options.seed;
  return spec;
}
