import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ModelSpecError, validateModelSpec } from './index.js';
import type { LayerSpec, ModelSpec } from './index.js';

const head: LayerSpec[] = [{ type: 'flatten' }, { type: 'dense', units: 3 }, { type: 'softmax' }];
const spec = (layers: LayerSpec[], extra: Partial<ModelSpec> = {}): ModelSpec => ({ inputShape: [8, 8, 2], numClasses: 3, layers, ...extra });
const bad = (s: unknown, message: RegExp): void => {
  assert.throws(() => validateModelSpec(s as ModelSpec), (e: Error) => e instanceof ModelSpecError && message.test(e.message));
};

test('returns every layer output shape, with conv/pool arithmetic as tfjs does it', () => {
  const shapes = validateModelSpec(spec([
    { type: 'conv2d', filters: 4, kernelSize: 3, padding: 'valid' },
    { type: 'maxPool2d', poolSize: 2 },
    { type: 'conv2d', filters: 5, kernelSize: [1, 2], strides: 2 },
    ...head,
  ]));
  assert.deepEqual(shapes, [[6, 6, 4], [3, 3, 4], [2, 2, 5], [20], [3], [3]]);
});

test('names the layer index and field of a bad value', () => {
  bad(spec([{ type: 'conv2d', filters: 0, kernelSize: 3 }, ...head]), /^layers\[0\] \(conv2d\)\.filters: expected a positive integer, got 0$/);
  bad(spec([{ type: 'conv2d', filters: 2, kernelSize: [3] as unknown as number }, ...head]), /layers\[0\] \(conv2d\)\.kernelSize: expected a positive integer or a pair/);
  bad(spec([{ type: 'dropout', rate: 1 }, ...head]), /layers\[0\] \(dropout\)\.rate: expected a rate in \[0, 1\), got 1/);
  bad(spec([{ type: 'flatten' }, { type: 'dropConnectDense', units: 3, dropRate: -0.1 }, { type: 'softmax' }]), /layers\[1\] \(dropConnectDense\)\.dropRate: expected a rate/);
  bad(spec([{ type: 'activation', activation: 'gelu' as 'relu' }, ...head]), /layers\[0\] \(activation\)\.activation: expected one of 'relu'/);
  bad(spec([{ type: 'conv2d', filters: 2, kernelSize: 3, kernelInitializer: 'he' as 'heNormal' }, ...head]), /layers\[0\] \(conv2d\)\.kernelInitializer: expected one of 'xavierUniform'/);
  bad(spec([{ type: 'conv2d', filters: 2, kernelSize: 3, regularizer: { l2: -1 } }, ...head]), /layers\[0\] \(conv2d\)\.regularizer\.l2: expected a finite number ≥ 0, got -1/);
  bad(spec([{ type: 'conv2d', filters: 2, kernelSize: 3, initMode: 'fanOut' }, ...head]), /layers\[0\] \(conv2d\)\.initMode: applies to heUniform\/heNormal only, but the kernel initializer is 'xavierUniform'/);
  assert.doesNotThrow(() => validateModelSpec(spec([{ type: 'conv2d', filters: 2, kernelSize: 3, initMode: 'fanOut' }, ...head], { kernelInitializer: 'heNormal' })));
  bad(spec([{ type: 'batchNorm', momentum: 0.1, rho: 0.9 }, ...head]), /layers\[0\] \(batchNorm\): give either momentum \(torch\) or rho/);
  bad(spec([{ type: 'batchNorm', momentum: 2 }, ...head]), /layers\[0\] \(batchNorm\)\.momentum: expected a number in \[0, 1\], got 2/);
  bad(spec([{ type: 'pool' } as unknown as LayerSpec, ...head]), /^layers\[0\]\.type: expected one of conv2d, dense, .*got "pool"/);
  bad(spec([null as unknown as LayerSpec, ...head]), /^layers\[0\]: expected a layer object with a 'type', got null/);
});

test('rejects unknown fields, so a typo is not silently ignored', () => {
  bad(spec([{ type: 'conv2d', filter: 4, kernelSize: 3 } as unknown as LayerSpec, ...head]), /layers\[0\] \(conv2d\): unknown field 'filter' \(allowed: filters, kernelSize/);
  bad(spec([{ type: 'relu', rate: 0.5 } as unknown as LayerSpec, ...head]), /layers\[0\] \(relu\): unknown field 'rate' \(allowed: name\)/);
  bad({ ...spec(head), regulariser: {} }, /model spec: unknown field 'regulariser'/);
  bad(spec(head, { regularizer: { l3: 1 } as unknown as { l1: number } }), /model spec\.regularizer: unknown field 'l3'/);
});

test('checks shapes: images for conv/pool, flat input for dense, windows that fit', () => {
  bad({ ...spec([{ type: 'dense', units: 3 }, { type: 'softmax' }]) }, /layers\[0\] \(dense\): needs a flat input, got shape \[8,8,2\]; add \{ type: 'flatten' \}/);
  bad({ inputShape: [10], numClasses: 3, layers: [{ type: 'conv2d', filters: 2, kernelSize: 3 }, ...head] }, /layers\[0\] \(conv2d\): needs an image input \[height, width, channels\], got shape \[10\]/);
  bad(spec([{ type: 'maxPool2d', poolSize: 9 }, ...head]), /layers\[0\] \(maxPool2d\): window 9x9 with padding 'valid' does not fit the input of shape \[8,8,2\]/);
  bad({ inputShape: [4], numClasses: 3, layers: [{ type: 'spatialDropout2d', rate: 0.1 }, { type: 'dense', units: 3 }, { type: 'softmax' }] }, /layers\[0\] \(spatialDropout2d\): needs an image input/);
});

test('the model must end in a softmax over numClasses', () => {
  bad(spec([{ type: 'flatten' }, { type: 'dense', units: 3 }]), /layers\[1\]: the last layer must output probabilities/);
  bad(spec([{ type: 'flatten' }, { type: 'dense', units: 4, activation: 'softmax' }]), /layers\[1\]: the model outputs shape \[4\] but numClasses is 3/);
  assert.doesNotThrow(() => validateModelSpec(spec([{ type: 'flatten' }, { type: 'dense', units: 3, activation: 'softmax' }])));
  assert.doesNotThrow(() => validateModelSpec(spec([{ type: 'flatten' }, { type: 'dense', units: 3 }, { type: 'activation', activation: 'softmax' }])));
});

test('model-level fields', () => {
  bad({ ...spec(head), inputShape: [8, 0, 2] }, /model spec\.inputShape: expected a non-empty array of positive integers.*got \[8,0,2\]/);
  bad({ ...spec(head), numClasses: 1 }, /model spec\.numClasses: expected at least 2 classes, got 1/);
  bad({ ...spec(head), layers: [] }, /model spec\.layers: expected a non-empty array of layer specs, got \[\]/);
  bad({ ...spec(head), seed: 1.5 }, /model spec\.seed: expected an integer ≥ 0, got 1.5/);
  bad({ ...spec(head), name: 'my model' }, /model spec\.name: expected a name of letters/);
  bad('mlp', /model spec: expected an object, got "mlp"/);
});
