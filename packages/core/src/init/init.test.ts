import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { assertClose, loadFixture } from '../testing/index.js';
import { computeFans, initializer, UntruncatedVarianceScaling, type Initializer } from './index.js';

interface Case {
  torchShape: number[]; tfjsShape: number[]; fanIn: number; fanOut: number; xavierGain: number;
  xavierUniformBound: number; xavierNormalStd: number;
  heUniformBound: { fanIn: number; fanOut: number }; heNormalStd: { fanIn: number; fanOut: number };
}
const { cases } = loadFixture<{ cases: Case[] }>('init/init.json');

const MIN_SAMPLES = 100_000;

/** Draws at least MIN_SAMPLES values of `shape`, pooling seeded draws so small kernels get a usable sample too. */
function sample(make: (seed: number) => Initializer, shape: number[]): Float32Array {
  const size = shape.reduce((a, b) => a * b, 1);
  const draws = Math.ceil(MIN_SAMPLES / size);
  const out = new Float32Array(draws * size);
  for (let d = 0; d < draws; d++) {
    const t = make(1000 + d).apply(shape, 'float32');
    assert.deepEqual(t.shape, shape);
    out.set(t.dataSync() as Float32Array, d * size);
    t.dispose();
  }
  return out;
}

function stats(v: Float32Array): { mean: number; std: number; maxAbs: number; beyond2: (s: number) => number } {
  let sum = 0, sq = 0, maxAbs = 0;
  for (const x of v) { sum += x; sq += x * x; maxAbs = Math.max(maxAbs, Math.abs(x)); }
  const mean = sum / v.length;
  return {
    mean, maxAbs, std: Math.sqrt(sq / v.length - mean * mean),
    beyond2: (s) => v.filter((x) => Math.abs(x) > 2 * s).length / v.length,
  };
}

// ≥ 1e5 samples: relative standard error of the sample std is ≤ 0.23% (normal) / 0.15% (uniform); 1.5% is ~7 SE
// and still rejects tfjs' truncated normal (−12%).
const STD_RTOL = 0.015;

function checkUniform(v: Float32Array, bound: number, label: string): void {
  const s = stats(v);
  assert.ok(s.maxAbs <= bound * (1 + 1e-6), `${label}: max |w| ${s.maxAbs} exceeds bound ${bound}`);
  assert.ok(s.maxAbs >= bound * 0.999, `${label}: max |w| ${s.maxAbs} should reach the bound ${bound}`);
  assertClose([s.std], [bound / Math.sqrt(3)], { rtol: STD_RTOL, label: `${label} std` });
  assert.ok(Math.abs(s.mean) < 0.02 * bound, `${label}: mean ${s.mean}`);
}

function checkNormal(v: Float32Array, std: number, label: string): void {
  const s = stats(v);
  assertClose([s.std], [std], { rtol: STD_RTOL, label: `${label} std` });
  assert.ok(Math.abs(s.mean) < 0.02 * std, `${label}: mean ${s.mean}`);
  // Untruncated like torch: P(|z| > 2) = 4.55%; a 2σ-truncated normal has none.
  const tail = s.beyond2(std);
  assert.ok(tail > 0.039 && tail < 0.052, `${label}: fraction beyond 2σ ${tail} should be ≈ 0.0455 (untruncated)`);
}

test('computeFans on tfjs layouts equals torch _calculate_fan_in_and_fan_out on torch layouts', () => {
  for (const c of cases) {
    assert.deepEqual(computeFans(c.tfjsShape), { fanIn: c.fanIn, fanOut: c.fanOut }, `shape ${c.tfjsShape}`);
  }
});

test('xavierUniform / heUniform: exact torch bounds, std bound/sqrt(3)', () => {
  for (const c of cases) {
    const shape = c.tfjsShape;
    checkUniform(sample((seed) => initializer('xavierUniform', { seed, gain: c.xavierGain }), shape), c.xavierUniformBound, `xavierUniform ${shape}`);
    for (const mode of ['fanIn', 'fanOut'] as const) {
      checkUniform(sample((seed) => initializer('heUniform', { seed, mode }), shape), c.heUniformBound[mode], `heUniform ${mode} ${shape}`);
    }
  }
});

test('xavierNormal / heNormal: untruncated normal with torch std', () => {
  for (const c of cases) {
    const shape = c.tfjsShape;
    checkNormal(sample((seed) => initializer('xavierNormal', { seed, gain: c.xavierGain }), shape), c.xavierNormalStd, `xavierNormal ${shape}`);
    for (const mode of ['fanIn', 'fanOut'] as const) {
      checkNormal(sample((seed) => initializer('heNormal', { seed, mode }), shape), c.heNormalStd[mode], `heNormal ${mode} ${shape}`);
    }
  }
});

test("why we don't map normals onto tfjs' heNormal: tfjs 4.22 truncates at 2σ without correction (std ≈ 0.88σ)", () => {
  const c = cases[0]!;
  const s = stats(sample((seed) => tf.initializers.heNormal({ seed }), c.tfjsShape));
  assert.ok(s.std < 0.9 * c.heNormalStd.fanIn, `tfjs heNormal std ${s.std} vs torch ${c.heNormalStd.fanIn}`);
  assert.equal(s.beyond2(c.heNormalStd.fanIn), 0);
});

test('defaults: He is fanIn with gain sqrt(2), Xavier gain 1; same seed gives the same tensor', () => {
  const shape = [3, 3, 16, 32];
  const a = initializer('heNormal', { seed: 42 }).apply(shape).dataSync();
  const b = initializer('heNormal', { seed: 42, mode: 'fanIn', gain: Math.SQRT2 }).apply(shape).dataSync();
  assert.deepEqual(Array.from(a), Array.from(b));
  const u = initializer('xavierUniform', { seed: 3 }).apply(shape).dataSync();
  const v = initializer('xavierUniform', { seed: 3, gain: 1 }).apply(shape).dataSync();
  assert.deepEqual(Array.from(u), Array.from(v));
  assert.deepEqual(Array.from(initializer('zeros').apply([2, 2]).dataSync()), [0, 0, 0, 0]);
  assert.deepEqual(Array.from(initializer('ones', { seed: 1 }).apply([2]).dataSync()), [1, 1]);
});

test('usable as kernelInitializer of dense and conv2d layers; biases start at zero', async () => {
  const model = tf.sequential({ layers: [
    tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 64, kernelSize: 5, activation: 'relu', kernelInitializer: initializer('heNormal', { seed: 1 }) }),
    tf.layers.flatten(),
    tf.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: initializer('xavierUniform', { seed: 2 }) }),
  ] });
  const [convKernel, convBias, denseKernel] = model.getWeights();
  assertClose([stats(convKernel!.dataSync() as Float32Array).std], [Math.SQRT2 / Math.sqrt(25)], { rtol: 0.1, label: 'conv kernel std (1600 draws)' });
  assert.ok(convBias!.dataSync().every((x) => x === 0));
  const bound = Math.sqrt(6 / (24 * 24 * 64 + 10));
  assert.ok(stats(denseKernel!.dataSync() as Float32Array).maxAbs <= bound * (1 + 1e-6));
  // The custom normal initializer survives model serialization.
  const restored = await tf.models.modelFromJSON({ modelTopology: model.toJSON(null, false) } as tf.io.ModelJSON);
  const cfg = restored.layers[0]!.getConfig()['kernelInitializer'] as { className: string; config: object };
  assert.equal(cfg.className, 'UntruncatedVarianceScaling');
  assert.deepEqual(cfg.config, { scale: 2, mode: 'fanIn', seed: 1 });
});

test('bad names and options get clear errors', () => {
  assert.throws(() => initializer('kaiming' as 'heNormal'), /unknown name "kaiming"; expected one of xavierUniform, xavierNormal/);
  assert.throws(() => initializer('heNormal', { mode: 'fan_in' as 'fanIn' }), /mode must be 'fanIn' or 'fanOut', got "fan_in"/);
  assert.throws(() => initializer('xavierUniform', { mode: 'fanOut' }), /mode applies to heUniform\/heNormal only/);
  assert.throws(() => initializer('heUniform', { gain: 0 }), /gain must be a finite number > 0, got 0/);
  assert.throws(() => initializer('zeros', { gain: 2 }), /gain does not apply to zeros/);
  assert.throws(() => initializer('xavierNormal', { seed: Number.NaN }), /seed must be a finite number, got NaN/);
  assert.throws(() => new UntruncatedVarianceScaling({ scale: -1, mode: 'fanIn' }), /scale must be a finite number > 0, got -1/);
});
