import { activationNames, initializerNames, layerName } from './spec.js';
import type { LayerSpec, LayerType, ModelSpec, RegularizerSpec } from './spec.js';

/** Thrown for a malformed {@link ModelSpec}; the message names the layer index and field. */
export class ModelSpecError extends Error {
  override name = 'ModelSpecError';
}

const kernelFields = ['useBias', 'kernelInitializer', 'initMode', 'regularizer', 'activation'];
const poolFields = ['poolSize', 'strides', 'padding'];
const fieldsByType: Record<LayerType, string[]> = {
  conv2d: ['filters', 'kernelSize', 'strides', 'padding', ...kernelFields],
  dense: ['units', ...kernelFields],
  dropConnectDense: ['units', 'dropRate', ...kernelFields],
  batchNorm: ['momentum', 'rho', 'epsilon'],
  relu: [],
  activation: ['activation'],
  maxPool2d: poolFields,
  avgPool2d: poolFields,
  flatten: [],
  dropout: ['rate'],
  spatialDropout2d: ['rate'],
  softmax: [],
};
const modelFields = ['inputShape', 'numClasses', 'layers', 'regularizer', 'kernelInitializer', 'seed', 'name'];

function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function isPositiveInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v > 0;
}

/** Collects the checks of one object (the model or one layer) under a common message prefix. */
class Checker {
  constructor(private readonly where: string, private readonly obj: Record<string, unknown>) {}

  fail(field: string, expected: string): never {
    const prefix = field ? `${this.where}.${field}` : this.where;
    throw new ModelSpecError(`${prefix}: expected ${expected}, got ${describe(field ? this.obj[field] : this.obj)}`);
  }

  onlyFields(allowed: string[]): void {
    for (const key of Object.keys(this.obj)) {
      if (key !== 'type' && !allowed.includes(key)) {
        const list = allowed.length ? allowed.join(', ') : 'none besides type';
        throw new ModelSpecError(`${this.where}: unknown field '${key}' (allowed: ${list})`);
      }
    }
  }

  has(field: string): boolean {
    return this.obj[field] !== undefined;
  }

  positiveInt(field: string, optional = false): void {
    if (optional && !this.has(field)) return;
    if (!isPositiveInt(this.obj[field])) this.fail(field, 'a positive integer');
  }

  intPair(field: string, optional = false): void {
    if (optional && !this.has(field)) return;
    const v = this.obj[field];
    const ok = isPositiveInt(v) || (Array.isArray(v) && v.length === 2 && v.every(isPositiveInt));
    if (!ok) this.fail(field, 'a positive integer or a pair of positive integers');
  }

  rate(field: string, optional = false): void {
    if (optional && !this.has(field)) return;
    const v = this.obj[field];
    if (!(typeof v === 'number' && v >= 0 && v < 1)) this.fail(field, 'a rate in [0, 1)');
  }

  oneOf(field: string, options: readonly string[], optional = true): void {
    if (optional && !this.has(field)) return;
    if (!options.includes(this.obj[field] as string)) this.fail(field, `one of ${options.map((o) => `'${o}'`).join(', ')}`);
  }

  boolean(field: string): void {
    if (this.has(field) && typeof this.obj[field] !== 'boolean') this.fail(field, 'a boolean');
  }

  regularizer(field: string, allowNull: boolean): void {
    const v = this.obj[field];
    if (v === undefined || (allowNull && v === null)) return;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      this.fail(field, `an object { l1?, l2? }${allowNull ? ' or null' : ''}`);
    }
    const reg = v as Record<string, unknown>;
    for (const key of Object.keys(reg)) {
      if (key !== 'l1' && key !== 'l2') throw new ModelSpecError(`${this.where}.${field}: unknown field '${key}' (allowed: l1, l2)`);
      const lambda = reg[key];
      if (lambda !== undefined && !(typeof lambda === 'number' && Number.isFinite(lambda) && lambda >= 0)) {
        throw new ModelSpecError(`${this.where}.${field}.${key}: expected a finite number ≥ 0, got ${describe(lambda)}`);
      }
    }
  }
}

function pair(v: number | [number, number]): [number, number] {
  return typeof v === 'number' ? [v, v] : v;
}

/** Output size of a conv/pool along one axis, as tfjs computes it. */
function outSize(input: number, kernel: number, stride: number, padding: 'same' | 'valid'): number {
  return padding === 'same' ? Math.ceil(input / stride) : Math.floor((input - kernel) / stride) + 1;
}

function spatial(where: string, type: string, shape: number[], k: [number, number], s: [number, number], padding: 'same' | 'valid'): number[] {
  const [h, w] = [outSize(shape[0]!, k[0], s[0], padding), outSize(shape[1]!, k[1], s[1], padding)];
  if (h < 1 || w < 1) {
    throw new ModelSpecError(
      `${where} (${type}): window ${k[0]}x${k[1]} with padding '${padding}' does not fit the input of shape [${shape.join(',')}]`,
    );
  }
  return [h, w];
}

function checkLayer(layer: LayerSpec, index: number, shape: number[], spec: ModelSpec): number[] {
  const where = `layers[${index}]`;
  if (typeof layer !== 'object' || layer === null || Array.isArray(layer)) {
    throw new ModelSpecError(`${where}: expected a layer object with a 'type', got ${describe(layer)}`);
  }
  const raw = layer as unknown as Record<string, unknown>;
  const allowedTypes = Object.keys(fieldsByType);
  if (!allowedTypes.includes(raw['type'] as string)) {
    throw new ModelSpecError(`${where}.type: expected one of ${allowedTypes.join(', ')}, got ${describe(raw['type'])}`);
  }
  const c = new Checker(`${where} (${layer.type})`, raw);
  c.onlyFields([...fieldsByType[layer.type], 'name']);
  if (c.has('name') && !(typeof raw['name'] === 'string' && /^[A-Za-z][\w-]*$/.test(raw['name']) && raw['name'] !== 'input')) {
    c.fail('name', "a name of letters, digits, _ or - starting with a letter (not 'input')");
  }
  const needsImage = (): void => {
    if (shape.length !== 3) {
      throw new ModelSpecError(
        `${where} (${layer.type}): needs an image input [height, width, channels], got shape [${shape.join(',')}]`,
      );
    }
  };
  const needsVector = (): void => {
    if (shape.length !== 1) {
      throw new ModelSpecError(
        `${where} (${layer.type}): needs a flat input, got shape [${shape.join(',')}]; add { type: 'flatten' } before it`,
      );
    }
  };
  const kernelChecks = (): void => {
    c.boolean('useBias');
    c.oneOf('kernelInitializer', initializerNames);
    c.oneOf('initMode', ['fanIn', 'fanOut']);
    const init = (raw['kernelInitializer'] as string | undefined) ?? spec.kernelInitializer ?? 'xavierUniform';
    if (c.has('initMode') && !init.startsWith('he')) {
      throw new ModelSpecError(`${where} (${layer.type}).initMode: applies to heUniform/heNormal only, but the kernel initializer is '${init}'`);
    }
    c.oneOf('activation', activationNames);
    c.regularizer('regularizer', true);
  };

  switch (layer.type) {
    case 'conv2d': {
      needsImage();
      c.positiveInt('filters');
      c.intPair('kernelSize');
      c.intPair('strides', true);
      c.oneOf('padding', ['same', 'valid']);
      kernelChecks();
      const [h, w] = spatial(where, layer.type, shape, pair(layer.kernelSize), pair(layer.strides ?? 1), layer.padding ?? 'same');
      return [h, w, layer.filters];
    }
    case 'dense':
    case 'dropConnectDense':
      needsVector();
      c.positiveInt('units');
      if (layer.type === 'dropConnectDense') c.rate('dropRate');
      kernelChecks();
      return [layer.units];
    case 'batchNorm':
      if (c.has('momentum') && c.has('rho')) {
        throw new ModelSpecError(`${where} (batchNorm): give either momentum (torch) or rho (= 1 − momentum), not both`);
      }
      for (const f of ['momentum', 'rho']) {
        const v = raw[f];
        if (v !== undefined && !(typeof v === 'number' && v >= 0 && v <= 1)) c.fail(f, 'a number in [0, 1]');
      }
      if (c.has('epsilon') && !(typeof raw['epsilon'] === 'number' && (raw['epsilon'] as number) > 0)) c.fail('epsilon', 'a number > 0');
      return shape;
    case 'activation':
      c.oneOf('activation', activationNames, false);
      return shape;
    case 'maxPool2d':
    case 'avgPool2d': {
      needsImage();
      c.intPair('poolSize');
      c.intPair('strides', true);
      c.oneOf('padding', ['same', 'valid']);
      const k = pair(layer.poolSize);
      const [h, w] = spatial(where, layer.type, shape, k, pair(layer.strides ?? layer.poolSize), layer.padding ?? 'valid');
      return [h, w, shape[2]!];
    }
    case 'flatten':
      return [shape.reduce((a, b) => a * b, 1)];
    case 'dropout':
      c.rate('rate');
      return shape;
    case 'spatialDropout2d':
      needsImage();
      c.rate('rate');
      return shape;
    case 'relu':
    case 'softmax':
      return shape;
  }
}

function endsInSoftmax(layer: LayerSpec | undefined): boolean {
  if (!layer) return false;
  if (layer.type === 'softmax') return true;
  if (layer.type === 'activation') return layer.activation === 'softmax';
  if (layer.type === 'dense' || layer.type === 'dropConnectDense') return layer.activation === 'softmax';
  return false;
}

/**
 * Checks a {@link ModelSpec} without building anything and returns the output shape of every layer. Throws a
 * {@link ModelSpecError} naming the layer index and field (`layers[3] (conv2d).filters: expected a positive integer,
 * got 0`), including shape problems such as a dense layer on an unflattened image.
 *
 * @example
 * validateModelSpec({ inputShape: [4], numClasses: 2, layers: [{ type: 'dense', units: 2, activation: 'softmax' }] });
 * // → [[2]]
 */
export function validateModelSpec(spec: ModelSpec): number[][] {
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) {
    throw new ModelSpecError(`model spec: expected an object, got ${describe(spec)}`);
  }
  const c = new Checker('model spec', spec as unknown as Record<string, unknown>);
  c.onlyFields(modelFields);
  if (!Array.isArray(spec.inputShape) || spec.inputShape.length === 0 || !spec.inputShape.every(isPositiveInt)) {
    c.fail('inputShape', 'a non-empty array of positive integers, e.g. [28, 28, 1] or [784]');
  }
  c.positiveInt('numClasses');
  if (spec.numClasses < 2) c.fail('numClasses', 'at least 2 classes');
  if (!Array.isArray(spec.layers) || spec.layers.length === 0) c.fail('layers', 'a non-empty array of layer specs');
  c.regularizer('regularizer', false);
  c.oneOf('kernelInitializer', initializerNames);
  if (spec.seed !== undefined && !(Number.isInteger(spec.seed) && spec.seed >= 0)) c.fail('seed', 'an integer ≥ 0');
  if (spec.name !== undefined && !(typeof spec.name === 'string' && /^[A-Za-z][\w-]*$/.test(spec.name))) {
    c.fail('name', 'a name of letters, digits, _ or -, starting with a letter');
  }

  const shapes: number[][] = [];
  const names = new Map<string, number>();
  let shape = spec.inputShape;
  spec.layers.forEach((layer, i) => {
    shape = checkLayer(layer, i, shape, spec);
    shapes.push(shape);
    const name = layerName(layer, i);
    if (names.has(name)) throw new ModelSpecError(`layers[${i}].name: '${name}' is already the name of layers[${names.get(name)}]`);
    names.set(name, i);
  });
  const last = spec.layers.length - 1;
  if (!endsInSoftmax(spec.layers[last])) {
    throw new ModelSpecError(`layers[${last}]: the last layer must output probabilities (a softmax layer or activation 'softmax')`);
  }
  if (shape.length !== 1 || shape[0] !== spec.numClasses) {
    throw new ModelSpecError(`layers[${last}]: the model outputs shape [${shape.join(',')}] but numClasses is ${spec.numClasses}`);
  }
  return shapes;
}

/** The kernel regularizer a layer ends up with: its own, else the model's, else none. */
export function effectiveRegularizer(layerReg: RegularizerSpec | null | undefined, modelReg: RegularizerSpec | undefined): RegularizerSpec | undefined {
  const reg = layerReg === undefined ? modelReg : layerReg ?? undefined;
  if (!reg || (!reg.l1 && !reg.l2)) return undefined;
  return reg;
}
