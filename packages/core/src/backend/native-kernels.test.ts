// The native (OpenBLAS) kernels registered for wasm, against tfjs's cpu backend, on seeded random geometries, and
// every preset's gradients through them. Without the addon these tests skip, except under
// TENSORFLEET_REQUIRE_NATIVE=1 (set by .ci/run, which installs OpenBLAS), where they fail.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { assertMaxPoolGradMatchesCpu, type ConvCase, convCases, describeCase, describePool, dilateFilter, maxPoolCases, outShape, undilate } from './conv-test-cases.js';
import type { NativeKernels } from './native-kernels/heap.js';
import { loadNativeKernels } from './native-kernels/load.js';
import { installNativeKernels, nativeKernelNames, nativeKernelsInstalled } from './native-kernels/register.js';
import { assertPresetGradientsMatchCpu, presetGradientCases } from './preset-gradients.js';
import { selectBackend } from './select-backend.js';
import { batchNorm } from '../layers/batch-norm.js';
import { SeedStream } from '../layers/seed-stream.js';
import { batchNormPasses, composedPasses, fusedPasses } from '../layers/batch-norm-passes.js';
import { assertRelClose, prepareBackends, randomInt, randomValues, rng, runKernelOn } from './test-support.js';

const required = process.env['TENSORFLEET_REQUIRE_NATIVE'] === '1';
const loaded = await loadNativeKernels(1).then(
  (native) => ({ native, why: undefined }),
  (err: Error) => ({ native: undefined, why: err.message }),
);
/** Calls per addon function, so a test can tell the native kernel ran rather than the wasm fallback it wraps. */
const calls = new Map<string, number>();
const counted = (native: NativeKernels): NativeKernels =>
  // The addon's functions are non-enumerable properties (napi_default).
  Object.fromEntries(
    Object.getOwnPropertyNames(native).map((key) => [key, native[key as keyof NativeKernels]] as const).map(([key, value]) => [
      key,
      typeof value !== 'function'
        ? value
        : (...args: unknown[]) => {
            calls.set(key, (calls.get(key) ?? 0) + 1);
            return (value as (...a: unknown[]) => unknown)(...args);
          },
    ]),
  ) as unknown as NativeKernels;
/** Runs `body` and asserts whether addon function `fn` ran during it. */
async function expectNative<T>(fn: keyof NativeKernels, expected: boolean, body: () => Promise<T>): Promise<T> {
  const before = calls.get(fn) ?? 0;
  const result = await body();
  assert.equal((calls.get(fn) ?? 0) > before, expected, `native.${fn} ${expected ? 'did not run' : 'ran'}`);
  return result;
}
/** Skip reason when the addon is missing and not required; when required, tests run and fail in `before`. */
const skip = loaded.native === undefined && !required ? `native kernels unavailable: ${loaded.why}` : false;

before(async () => {
  if (loaded.native === undefined) {
    if (skip) return;
    throw new Error(`TENSORFLEET_REQUIRE_NATIVE=1 but the native kernels are unavailable: ${loaded.why}`);
  }
  await prepareBackends();
  installNativeKernels(counted(loaded.native));
  assert.ok(nativeKernelsInstalled());
  for (const name of nativeKernelNames) assert.ok(tf.getKernel(name, 'wasm'), `${name} registered`);
});

describe('native addon', { skip }, () => {
  it('reports OpenBLAS and the thread count it was given', () => {
    const info = loaded.native!.info();
    assert.match(info.blas, /^OpenBLAS /);
    // .ci/run installs oneDNN too, so there the convolutions must run on it.
    if (required) assert.match(info.convolutions, /^oneDNN \d/);
    assert.equal(info.threads, 1);
  });

  it('refuses a tensor range outside the heap instead of touching it', () => {
    const heap = new ArrayBuffer(64);
    const dims = Int32Array.of(1, 1, 1, 4, 4, 4, 0, 0, 0);
    assert.throws(() => loaded.native!.batchMatMul(heap, dims, 0, 0, 16, -1, 0, 0), /outside the heap/);
    assert.throws(() => loaded.native!.batchMatMul(heap, Int32Array.of(1), 0, 0, 0, -1, 0, 0), /Int32Array of 9/);
  });
});

/** Wider cases (oneDNN takes the input gradient from 8 input channels on; im2col below). */
const wide: ConvCase[] = [
  { seed: 1, x: [2, 9, 9, 8], filter: [3, 3, 8, 16], strides: [1, 1], dilations: [1, 1], pad: 'same' },
  { seed: 2, x: [3, 10, 9, 16], filter: [3, 3, 16, 8], strides: [2, 2], dilations: [1, 1], pad: 'same' },
  { seed: 3, x: [2, 11, 11, 8], filter: [3, 2, 8, 12], strides: [1, 2], dilations: [2, 1], pad: 'valid' },
  { seed: 4, x: [1, 8, 7, 12], filter: [2, 3, 12, 8], strides: [2, 1], dilations: [1, 1], pad: [[0, 0], [1, 0], [2, 1], [0, 0]] },
  { seed: 5, x: [2, 6, 6, 32], filter: [1, 1, 32, 16], strides: [1, 1], dilations: [1, 1], pad: 'valid' },
  { seed: 6, x: [2, 9, 8, 8], filter: [3, 3, 8, 8], strides: [2, 2], dilations: [1, 1], pad: 'valid' }, // last row unread
];

describe('native Conv2D and FusedConv2D match cpu', { skip }, () => {
  for (const c of [...convCases(12, 900), ...wide]) {
    it(describeCase(c), async () => {
      const r = rng(c.seed + 3);
      const x = { values: randomValues(r, c.x), shape: c.x };
      const filter = { values: randomValues(r, c.filter), shape: c.filter };
      const co = c.filter[3]!;
      const bias = { values: randomValues(r, [co]), shape: [co] };
      const attrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', dilations: c.dilations };
      const ours = await runKernelOn('wasm', 'Conv2D', { x, filter }, attrs);
      const ref = await runKernelOn('cpu', 'Conv2D', { x, filter }, attrs);
      assert.deepEqual(ours.shape, outShape(c, false));
      assertRelClose(ours.values, ref.values, 'y');
      for (const activation of ['relu', 'elu', 'leakyrelu']) {
        const fused = { ...attrs, activation, leakyreluAlpha: 0.1 };
        const oursF = await runKernelOn('wasm', 'FusedConv2D', { x, filter, bias }, fused);
        const refF = await runKernelOn('cpu', 'FusedConv2D', { x, filter, bias }, fused);
        assertRelClose(oursF.values, refF.values, `fused ${activation}`);
      }
    });
  }
});

describe('native Conv2DBackpropInput and Conv2DBackpropFilter match cpu', { skip }, () => {
  for (const c of [...convCases(12, 1000), ...wide]) {
    it(describeCase(c), async () => {
      const r = rng(c.seed + 5);
      const x = { values: randomValues(r, c.x), shape: c.x };
      const filter = { values: randomValues(r, c.filter), shape: c.filter };
      const dy = { values: randomValues(r, outShape(c, false)), shape: outShape(c, false) };
      const common = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC' };
      // tfjs's cpu gradients have no dilation: reference them through the zero-dilated filter.
      const eff = dilateFilter(filter, c.dilations);
      const oursI = await runKernelOn('wasm', 'Conv2DBackpropInput', { dy, filter }, { ...common, dilations: c.dilations, inputShape: c.x });
      const refI = await runKernelOn('cpu', 'Conv2DBackpropInput', { dy, filter: eff }, { ...common, inputShape: c.x });
      assert.deepEqual(oursI.shape, c.x);
      assertRelClose(oursI.values, refI.values, 'dx');
      const oursF = await runKernelOn('wasm', 'Conv2DBackpropFilter', { x, dy }, { ...common, dilations: c.dilations, filterShape: c.filter });
      const refF = await runKernelOn('cpu', 'Conv2DBackpropFilter', { x, dy }, { ...common, filterShape: eff.shape });
      assert.deepEqual(oursF.shape, c.filter);
      assertRelClose(oursF.values, undilate(refF.values, c.filter, c.dilations), 'dW');
    });
  }
});

describe('native depthwise convolutions and their gradients match cpu', { skip }, () => {
  const depthwiseWide: ConvCase[] = [
    { seed: 7, x: [2, 9, 9, 16], filter: [3, 3, 16, 1], strides: [1, 1], dilations: [1, 1], pad: 'same' },
    { seed: 8, x: [2, 8, 7, 8], filter: [3, 3, 8, 3], strides: [2, 2], dilations: [1, 1], pad: 'same' },
    { seed: 9, x: [1, 11, 10, 5], filter: [3, 2, 5, 2], strides: [1, 2], dilations: [2, 1], pad: 'valid' },
  ];
  for (const c of [...convCases(10, 1400), ...depthwiseWide]) {
    it(describeCase(c), async () => {
      const r = rng(c.seed + 17);
      const x = { values: randomValues(r, c.x), shape: c.x };
      const filter = { values: randomValues(r, c.filter), shape: c.filter };
      const dy = { values: randomValues(r, outShape(c, true)), shape: outShape(c, true) };
      const co = c.filter[2]! * c.filter[3]!;
      const bias = { values: randomValues(r, [co]), shape: [co] };
      const common = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC' };
      const attrs = { ...common, dilations: c.dilations };
      // tfjs's cpu depthwise kernels refuse strides and dilations together, and its gradients ignore `dilations`:
      // every reference runs undilated on the zero-dilated filter.
      const eff = dilateFilter(filter, c.dilations);
      const undilated = { ...common, dilations: [1, 1] };
      const ours = await expectNative('depthwiseConv2d', true, () => runKernelOn('wasm', 'DepthwiseConv2dNative', { x, filter }, attrs));
      const ref = await runKernelOn('cpu', 'DepthwiseConv2dNative', { x, filter: eff }, undilated);
      assert.deepEqual(ours.shape, outShape(c, true));
      assertRelClose(ours.values, ref.values, 'depthwise y');
      for (const activation of ['relu', 'elu', 'leakyrelu']) {
        const fused = { activation, leakyreluAlpha: 0.1 };
        const oursF = await runKernelOn('wasm', 'FusedDepthwiseConv2D', { x, filter, bias }, { ...attrs, ...fused });
        const refF = await runKernelOn('cpu', 'FusedDepthwiseConv2D', { x, filter: eff, bias }, { ...undilated, ...fused });
        assertRelClose(oursF.values, refF.values, `fused depthwise ${activation}`);
      }
      const oursI = await expectNative('depthwiseConv2dBackpropInput', true, () =>
        runKernelOn('wasm', 'DepthwiseConv2dNativeBackpropInput', { dy, filter }, { ...attrs, inputShape: c.x }),
      );
      const refI = await runKernelOn('cpu', 'DepthwiseConv2dNativeBackpropInput', { dy, filter: eff }, { ...undilated, inputShape: c.x });
      assert.deepEqual(oursI.shape, c.x);
      assertRelClose(oursI.values, refI.values, 'depthwise dx');
      const oursF = await expectNative('depthwiseConv2dBackpropFilter', true, () =>
        runKernelOn('wasm', 'DepthwiseConv2dNativeBackpropFilter', { x, dy }, { ...attrs, filterShape: c.filter }),
      );
      const refF = await runKernelOn('cpu', 'DepthwiseConv2dNativeBackpropFilter', { x, dy }, { ...undilated, filterShape: eff.shape });
      assert.deepEqual(oursF.shape, c.filter);
      assertRelClose(oursF.values, undilate(refF.values, c.filter, c.dilations), 'depthwise dW');
    });
  }
});

describe('native broadcasting Add/Sub/Multiply/RealDiv and comparisons match cpu', { skip }, () => {
  const pairs: Array<[number[], number[], boolean]> = [
    [[5, 7], [5, 7], true],
    [[64, 10], [], true], // scalar
    [[], [3, 4], true],
    [[2, 3, 4, 6], [6], true], // per-channel vector
    [[2, 3, 4, 6], [1, 1, 1, 6], true],
    [[6], [2, 3, 4, 6], true],
    [[64, 1], [64, 10], true], // per-row column
    [[2, 5, 1], [2, 5, 3], true],
    [[1], [9], true],
    [[3, 1, 5], [1, 4, 1], false], // a split broadcast: no cursor expresses it, wasm's kernel takes it
    [[4, 1], [1, 6], true], // an outer product: both operands have a cursor
  ];
  for (const [sa, sb, native] of pairs) {
    for (const name of ['Add', 'Sub', 'Multiply', 'RealDiv', 'Greater', 'GreaterEqual', 'Less', 'LessEqual']) {
      it(`${name} [${sa}] with [${sb}]`, async () => {
        const r = rng(1500 + sa.length * 7 + sb.length);
        // Divisors kept away from 0 so the relative check measures the kernel, not a cancellation.
        const a = { values: randomValues(r, sa), shape: sa };
        const b = { values: randomValues(r, sb).map((v) => (name === 'RealDiv' ? Math.sign(v || 1) * (0.5 + Math.abs(v)) : v)), shape: sb };
        if (a.values.length > 1 && b.values.length > 1) b.values[0] = a.values[0]!; // one tie for the comparisons
        const ours = await expectNative('binary', native, () => runKernelOn('wasm', name, { a, b }, {}));
        const ref = await runKernelOn('cpu', name, { a, b }, {});
        assert.deepEqual(ours.shape, ref.shape);
        if (name.startsWith('Greater') || name.startsWith('Less')) assert.deepEqual([...ours.values], [...ref.values], name);
        else assertRelClose(ours.values, ref.values, name);
      });
    }
  }
  it('leaves int32 arithmetic to wasm (exact integer results)', async () => {
    const a = { values: Int32Array.of(7, -7, 9), shape: [3], dtype: 'int32' as const };
    const b = { values: Int32Array.of(2), shape: [1], dtype: 'int32' as const };
    const ours = await expectNative('binary', false, () => runKernelOn('wasm', 'Multiply', { a, b }, {}));
    assert.deepEqual([...ours.values], [14, -14, 18]);
  });
});

describe('native Sum and Mean match cpu', { skip }, () => {
  const cases: Array<[number[], number | number[] | null, boolean, boolean]> = [
    [[64, 256], 0, false, true], // bias gradient
    [[1, 64, 10], [0, 1], false, true],
    [[64, 10], -1, false, true],
    [[64, 10], [1], true, true],
    [[4, 5, 6, 7], [0, 1, 2], false, true], // per-channel, NHWC
    [[4, 5, 6, 7], [0, 1, 2], true, true],
    [[4, 5, 6, 7], [2, 3], false, true],
    [[64], null, false, true], // everything
    [[3, 4, 5], [0, 1, 2], true, true],
    [[3, 4, 5], [1], false, false], // a middle axis: wasm's kernel takes it
    [[3, 4, 5], [0, 2], false, false],
  ];
  for (const [shape, axis, keepDims, native] of cases) {
    for (const name of ['Sum', 'Mean']) {
      it(`${name} [${shape}] axis ${JSON.stringify(axis)} keepDims ${keepDims}`, async () => {
        const x = { values: randomValues(rng(1600 + shape.length), shape), shape };
        const attrs = { axis: axis === null ? shape.map((_, i) => i) : axis, keepDims };
        const ours = await expectNative('sum', native, () => runKernelOn('wasm', name, { x }, attrs));
        const ref = await runKernelOn('cpu', name, { x }, attrs);
        assert.deepEqual(ours.shape, ref.shape);
        assertRelClose(ours.values, ref.values, name);
      });
    }
  }
});

describe('native MaxPoolGrad matches cpu', { skip }, () => {
  for (const [i, c] of maxPoolCases.entries()) it(describePool(c), () => assertMaxPoolGradMatchesCpu(c, 1300 + i));
});

describe('native BatchMatMul and _FusedMatMul match cpu', { skip }, () => {
  const cases: Array<[number[], number[]]> = [
    [[7, 5], [5, 3]],
    [[1, 1], [1, 1]],
    [[2, 4, 6], [2, 6, 3]],
    [[3, 4, 6], [1, 6, 5]], // broadcast batch (b)
    [[1, 4, 6], [3, 6, 5]], // broadcast batch (a)
    [[2, 3, 4, 6], [2, 3, 6, 5]],
  ];
  for (let seed = 0; cases.length < 14; seed++) {
    const r = rng(1100 + seed);
    const [m, k, n] = [randomInt(r, 1, 70), randomInt(r, 1, 70), randomInt(r, 1, 70)];
    cases.push([[m, k], [k, n]]);
  }
  for (const [i, [sa, sb]] of cases.entries()) {
    for (const transposeA of [false, true]) {
      for (const transposeB of [false, true]) {
        it(`a=[${sa}] b=[${sb}] transposeA=${transposeA} transposeB=${transposeB}`, async () => {
          const r = rng(1200 + i);
          const swap = (s: number[], t: boolean) => (t ? [...s.slice(0, -2), s[s.length - 1]!, s[s.length - 2]!] : s);
          const a = { values: randomValues(r, sa), shape: swap(sa, transposeA) };
          const b = { values: randomValues(r, sb), shape: swap(sb, transposeB) };
          const n = sb[sb.length - 1]!;
          const attrs = { transposeA, transposeB };
          const ours = await runKernelOn('wasm', 'BatchMatMul', { a, b }, attrs);
          const ref = await runKernelOn('cpu', 'BatchMatMul', { a, b }, attrs);
          assert.deepEqual(ours.shape, ref.shape);
          assertRelClose(ours.values, ref.values, 'a·b');
          for (const [activation, biasShape] of [['relu', [n]], ['sigmoid', [1]], ['relu6', [n]], ['linear', [n]]] as const) {
            const bias = { values: randomValues(r, [...biasShape]).map((v) => v * 3), shape: [...biasShape] };
            const fused = { ...attrs, activation, leakyreluAlpha: 0.2 };
            const oursF = await runKernelOn('wasm', '_FusedMatMul', { a, b, bias }, fused);
            const refF = await runKernelOn('cpu', '_FusedMatMul', { a, b, bias }, fused);
            assertRelClose(oursF.values, refF.values, `fused ${activation}`);
          }
        });
      }
    }
  }
  it('raises tfjs\'s own error for mismatched inner dimensions', async () => {
    const a = { values: new Float32Array(6), shape: [2, 3] };
    const b = { values: new Float32Array(8), shape: [4, 2] };
    await assert.rejects(runKernelOn('wasm', 'BatchMatMul', { a, b }, { transposeA: false, transposeB: false }), /inner shapes/);
  });
});

describe("native BatchNorm passes match the composed ops (and BatchNorm's layer uses them)", { skip }, () => {
  /** Each pass run fused on wasm and composed on cpu, on the same [rows, C] inputs. */
  const passOn = async (backend: 'cpu' | 'wasm', rows: number, channels: number, seed: number) => {
    await tf.setBackend(backend);
    const passes = batchNormPasses();
    assert.equal(passes, backend === 'wasm' ? fusedPasses : composedPasses);
    const r = rng(seed);
    const x = tf.tensor2d(randomValues(r, [rows, channels]).map((v) => 3 * v + 1.5), [rows, channels]);
    const dy = tf.tensor2d(randomValues(r, [rows, channels]), [rows, channels]);
    const gamma = tf.tensor1d(randomValues(r, [channels]));
    const beta = tf.tensor1d(randomValues(r, [channels]));
    const values = tf.tidy(() => {
      const moments = passes.moments(x, (t) => tf.sum(t, 0) as tf.Tensor1D);
      const invStd = tf.rsqrt(tf.add(moments.variance, 1e-5)) as tf.Tensor1D;
      const alpha = tf.mul(gamma, invStd) as tf.Tensor1D;
      const { y, saved } = passes.normalize(x, moments, invStd, alpha, tf.sub(beta, tf.mul(moments.mean, alpha)) as tf.Tensor1D);
      const sums = passes.gradientSums(dy, saved, (t) => tf.sum(t, 0) as tf.Tensor1D);
      const dx = passes.inputGradient(dy, saved, alpha, tf.div(sums.sumDy, rows) as tf.Tensor1D, tf.div(sums.sumDyXhat, rows) as tf.Tensor1D);
      return [moments.mean, moments.variance, y, sums.sumDy, sums.sumDyXhat, dx].map((t) => t.dataSync() as Float32Array);
    });
    tf.dispose([x, dy, gamma, beta]);
    return values;
  };
  for (const [rows, channels] of [[2 * 28 * 28, 16], [64, 512], [7, 3], [2, 1]] as const) {
    it(`[${rows}, ${channels}]: moments, normalization, gradient sums and input gradient`, async () => {
      const fused = await expectNative('channelMoments', true, () => passOn('wasm', rows, channels, rows + channels));
      const composed = await passOn('cpu', rows, channels, rows + channels);
      const names = ['mean', 'variance', 'y', 'sumDy', 'sumDyXhat', 'dx'];
      // The fused sums are in double, cpu's in float32: sums of ~1.5k values differ by float32 rounding, so looser.
      fused.forEach((v, k) => assertRelClose(v, composed[k]!, `${names[k]}`, 1e-4));
    });
  }
  it('a BatchNorm layer in training runs the fused kernels forward and backward', async () => {
    await tf.setBackend('wasm');
    const layer = batchNorm();
    const x = tf.randomNormal([4, 5, 5, 8], 0, 1, 'float32', 7);
    (layer.apply(x) as tf.Tensor).dispose(); // builds its weights, so variableGrads finds them
    await expectNative('batchNormGradInput', true, async () => {
      tf.variableGrads(() => tf.sum(tf.square(layer.apply(x, { training: true }) as tf.Tensor)) as tf.Scalar);
    });
    x.dispose();
  });
});

describe("native ReLU gradient: tfjs's dy · step(x) in one kernel", { skip }, () => {
  it('equals cpu on negatives, zeros, positives and NaN, and replaces Step + Cast + Multiply', async () => {
    const xs = [-2, -0, 0, 1e-30, 3, NaN, -Infinity, Infinity];
    const dys = [1, 2, 3, 4, 5, 6, 7, 8];
    const grad = async (backend: 'cpu' | 'wasm') => {
      await tf.setBackend(backend);
      const x = tf.tensor1d(xs);
      const dy = tf.tensor1d(dys);
      const info = await tf.profile(() => void tf.grad((t: tf.Tensor) => tf.relu(t))(x, dy).dataSync());
      const values = Array.from(tf.grad((t: tf.Tensor) => tf.relu(t))(x, dy).dataSync());
      tf.dispose([x, dy]);
      return { values, kernels: info.kernels.map((k) => k.name) };
    };
    const ours = await grad('wasm');
    const ref = await grad('cpu');
    assert.deepEqual(ours.values, ref.values);
    assert.deepEqual(ours.values, [0, 0, 0, 4, 5, NaN, 0, 8]);
    assert.ok(ours.kernels.includes('TensorfleetReluGrad') && !ours.kernels.includes('Step'), `kernels: ${ours.kernels.join(' ')}`);
    assert.ok(ref.kernels.includes('Step'), "cpu keeps tfjs's own gradient");
  });
});

describe('native dropout masks: the bits of the JS SeedStream', { skip }, () => {
  for (const [rate, shape] of [[0.2, [64, 256]], [0.5, [32, 128]], [0.05, [3, 7, 7, 5]], [0.999, [1000]], [1e-9, [17]]] as const) {
    it(`rate ${rate}, shape [${shape}]`, async () => {
      const draw = async (backend: 'cpu' | 'wasm') => {
        await tf.setBackend(backend);
        const stream = new SeedStream(5);
        stream.position('1/42');
        const masks = [stream.nextKeepMultiplier([...shape], rate), stream.nextKeepMultiplier([...shape], rate)];
        const values = masks.map((m) => Array.from(m.dataSync()));
        tf.dispose(masks);
        return values;
      };
      const ours = await expectNative('keepMask', true, () => draw('wasm'));
      const js = await draw('cpu');
      assert.deepEqual(ours, js);
      if (rate >= 0.05) assert.notDeepEqual(ours[0], ours[1], 'consecutive calls draw new masks');
    });
  }
});

describe('presets: one training step with the native kernels equals cpu', { skip }, () => {
  for (const [name, inputShape, batch] of presetGradientCases) {
    it(`${name} ${inputShape.join('x')} batch ${batch}`, () => assertPresetGradientsMatchCpu('wasm', name, inputShape, batch));
  }
});

describe('selectBackend and the native kernels', { skip }, () => {
  it("'wasm' takes the native kernels out and 'native' puts them back, saying so", async () => {
    const wasm = await selectBackend({ preferred: 'wasm', log: () => {} });
    assert.equal(wasm.selected, 'wasm');
    assert.equal(nativeKernelsInstalled(), false);
    const native = await selectBackend({ preferred: 'native', threads: 1, log: () => {} });
    assert.equal(native.name, 'wasm');
    assert.equal(native.selected, 'native');
    assert.match(native.reason, /native kernels on OpenBLAS [\d.]+ \(.+\), convolutions on .+, 1 thread;/);
    assert.equal(nativeKernelsInstalled(), true);
  });
});
