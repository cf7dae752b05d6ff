// Every kernel we register for wasm, against tfjs's cpu backend, on seeded random geometries.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { assertMaxPoolGradMatchesCpu, convCases, describeCase, describePool, dilateFilter, maxPoolCases, outShape, undilate } from './conv-test-cases.js';
import { assertRelClose, prepareBackends, randomValues, rng, runKernelOn } from './test-support.js';

before(prepareBackends);

describe('wasm Conv2DBackpropFilter matches cpu', () => {
  for (const c of convCases(10, 100)) {
    it(describeCase(c), async () => {
      const r = rng(c.seed + 7);
      const x = { values: randomValues(r, c.x), shape: c.x };
      const dy = { values: randomValues(r, outShape(c, false)), shape: outShape(c, false) };
      const attrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', filterShape: c.filter };
      const ours = await runKernelOn('wasm', 'Conv2DBackpropFilter', { x, dy }, { ...attrs, dilations: c.dilations });
      // tfjs's cpu kernel has no dilation: take the gradient w.r.t. the zero-dilated filter and keep the real taps.
      const eff = dilateFilter({ values: new Float32Array(c.filter.reduce((a, b) => a * b)), shape: c.filter }, c.dilations).shape;
      const ref = await runKernelOn('cpu', 'Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape: eff });
      assert.deepEqual(ours.shape, c.filter);
      assertRelClose(ours.values, undilate(ref.values, c.filter, c.dilations), 'dW');
    });
  }
});

describe('wasm Conv2DBackpropInput (ours, replacing the C loop) matches cpu', () => {
  for (const c of convCases(10, 200)) {
    it(describeCase(c), async () => {
      const r = rng(c.seed + 11);
      const filter = { values: randomValues(r, c.filter), shape: c.filter };
      const dy = { values: randomValues(r, outShape(c, false)), shape: outShape(c, false) };
      const attrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', inputShape: c.x };
      const ours = await runKernelOn('wasm', 'Conv2DBackpropInput', { dy, filter }, { ...attrs, dilations: c.dilations });
      const ref = await runKernelOn('cpu', 'Conv2DBackpropInput', { dy, filter: dilateFilter(filter, c.dilations) }, attrs);
      assert.deepEqual(ours.shape, c.x);
      assertRelClose(ours.values, ref.values, 'dx');
    });
  }
});

describe('wasm depthwise backprops match cpu', () => {
  for (const c of convCases(8, 300)) {
    it(describeCase(c), async () => {
      const r = rng(c.seed + 13);
      const filter = { values: randomValues(r, c.filter), shape: c.filter };
      const dy = { values: randomValues(r, outShape(c, true)), shape: outShape(c, true) };
      const x = { values: randomValues(r, c.x), shape: c.x };
      const common = { strides: c.strides, dilations: c.dilations, pad: c.pad, dataFormat: 'NHWC' };
      // tfjs's cpu depthwise gradients ignore `dilations` (their loops index x without it): reference them
      // through the zero-dilated filter instead, as for the dense kernels.
      const undilated = { ...common, dilations: [1, 1] };
      const eff = dilateFilter(filter, c.dilations);
      const name = 'DepthwiseConv2dNativeBackpropFilter';
      const oursF = await runKernelOn('wasm', name, { x, dy }, { ...common, filterShape: c.filter });
      const refF = await runKernelOn('cpu', name, { x, dy }, { ...undilated, filterShape: eff.shape });
      assertRelClose(oursF.values, undilate(refF.values, c.filter, c.dilations), 'depthwise dW');
      const nameI = 'DepthwiseConv2dNativeBackpropInput';
      const oursI = await runKernelOn('wasm', nameI, { dy, filter }, { ...common, inputShape: c.x });
      const refI = await runKernelOn('cpu', nameI, { dy, filter: eff }, { ...undilated, inputShape: c.x });
      assert.deepEqual(oursI.shape, c.x);
      assertRelClose(oursI.values, refI.values, 'depthwise dx');
    });
  }
});

describe('wasm MaxPoolGrad (ours, replacing the C loop) matches cpu', () => {
  for (const [i, c] of maxPoolCases.entries()) it(describePool(c), () => assertMaxPoolGradMatchesCpu(c, 400 + i));
});

describe('wasm BatchMatMul (ours materializes transposes for the XNNPACK path) matches cpu', () => {
  const shapes: Array<[number[], number[]]> = [
    [[7, 5], [5, 3]],
    [[2, 4, 6], [2, 6, 3]],
    [[3, 4, 6], [1, 6, 5]], // broadcast batch
  ];
  for (const [i, [sa, sb]] of shapes.entries()) {
    for (const transposeA of [false, true]) {
      for (const transposeB of [false, true]) {
        it(`a=[${sa}] b=[${sb}] transposeA=${transposeA} transposeB=${transposeB}`, async () => {
          const r = rng(500 + i);
          const swap = (s: number[], t: boolean) => (t ? [...s.slice(0, -2), s[s.length - 1]!, s[s.length - 2]!] : s);
          const a = { values: randomValues(r, sa), shape: swap(sa, transposeA) };
          const b = { values: randomValues(r, sb), shape: swap(sb, transposeB) };
          const ours = await runKernelOn('wasm', 'BatchMatMul', { a, b }, { transposeA, transposeB });
          const ref = await runKernelOn('cpu', 'BatchMatMul', { a, b }, { transposeA, transposeB });
          assert.deepEqual(ours.shape, ref.shape);
          assertRelClose(ours.values, ref.values, 'a·b');
        });
      }
    }
  }
});

describe('wasm Tile (ours, block copies) matches cpu', () => {
  const cases: Array<[number[], number[], 'float32' | 'int32']> = [
    [[1, 1, 1, 5], [3, 4, 2, 1], 'float32'], // BatchNorm gradient's shape
    [[2, 3], [2, 3], 'float32'],
    [[3, 1, 2], [1, 4, 1], 'int32'],
    [[4], [3], 'float32'],
    [[2, 2, 3], [1, 1, 1], 'float32'],
    [[2, 1, 3, 2], [2, 3, 1, 2], 'int32'],
  ];
  for (const [i, [shape, reps, dtype]] of cases.entries()) {
    it(`x=[${shape}] reps=[${reps}] ${dtype}`, async () => {
      const r = rng(600 + i);
      const raw = randomValues(r, shape);
      const values = dtype === 'int32' ? Int32Array.from(raw, (v) => Math.round(v * 100)) : raw;
      const x = { values, shape, dtype };
      const ours = await runKernelOn('wasm', 'Tile', { x }, { reps });
      const ref = await runKernelOn('cpu', 'Tile', { x }, { reps });
      assert.deepEqual(ours.shape, ref.shape);
      assert.deepEqual(Array.from(ours.values), Array.from(ref.values));
    });
  }
});

describe('wasm per-channel Sum/Mean and channel-broadcast arithmetic (ours) match cpu', () => {
  const reduceCases: Array<[number[], number[], boolean]> = [
    [[4, 5, 6, 3], [0, 1, 2], false], // BatchNorm statistics
    [[64, 28, 28, 16], [0, 1, 2], false], // at training size: float32 pooling accumulation stays within 1e-5
    [[4, 5, 6, 3], [0, 1, 2], true],
    [[7, 9], [0], false],
    [[3, 4, 5], [1, 0], true],
    [[3, 4, 5], [1, 2], false], // trailing axes: wasm's own kernel
    [[3, 4, 5], [0, 2], false], // not a prefix: wasm's own kernel
  ];
  for (const kind of ['Sum', 'Mean']) {
    for (const [i, [shape, axis, keepDims]] of reduceCases.entries()) {
      it(`${kind} x=[${shape}] axis=[${axis}] keepDims=${keepDims}`, async () => {
        const x = { values: randomValues(rng(700 + i), shape), shape };
        const ours = await runKernelOn('wasm', kind, { x }, { axis, keepDims });
        const ref = await runKernelOn('cpu', kind, { x }, { axis, keepDims });
        assert.deepEqual(ours.shape, ref.shape);
        assertRelClose(ours.values, ref.values, kind, 1e-5);
      });
    }
  }
  const binaryCases: Array<[number[], number[]]> = [
    [[4, 5, 6, 3], [3]],
    [[3], [4, 5, 6, 3]],
    [[4, 5, 6, 3], [1, 1, 1, 3]],
    [[1, 1, 3], [2, 4, 3]],
    [[6, 4], [4]],
    [[4, 5], [4, 5]], // same shape: wasm's own (XNNPACK) kernel
    [[4, 1], [4, 5]], // other broadcast: wasm's own kernel
  ];
  for (const kind of ['Multiply', 'Add', 'Sub', 'RealDiv']) {
    for (const [i, [sa, sb]] of binaryCases.entries()) {
      it(`${kind} a=[${sa}] b=[${sb}]`, async () => {
        const r = rng(800 + i);
        const a = { values: randomValues(r, sa), shape: sa };
        const b = { values: randomValues(r, sb).map((v) => (kind === 'RealDiv' ? v + Math.sign(v) : v)), shape: sb };
        const ours = await runKernelOn('wasm', kind, { a, b }, {});
        const ref = await runKernelOn('cpu', kind, { a, b }, {});
        assert.deepEqual(ours.shape, ref.shape);
        assertRelClose(ours.values, ref.values, kind, 1e-6);
      });
    }
  }
});

describe('wasm Identity (ours, zero-copy)', () => {
  it('shares the buffer, survives disposing the source, and frees it with the last reference', async () => {
    await tf.setBackend('wasm');
    const backend = tf.backend() as tf.KernelBackend & { numDataIds(): number };
    const buffers = backend.numDataIds();
    const x = tf.tensor([1, 2, 3, 4], [2, 2]);
    const y = tf.engine().runKernel('Identity', { x }, {}) as tf.Tensor;
    assert.equal(backend.numDataIds(), buffers + 1, 'no copy made');
    x.dispose();
    assert.deepEqual(Array.from(y.dataSync()), [1, 2, 3, 4]);
    y.dispose();
    assert.equal(backend.numDataIds(), buffers);
  });
});

describe('wasm Cast (ours: zero-copy to the same dtype)', () => {
  it('shares the buffer for float32 → float32 and still converts to int32', async () => {
    await tf.setBackend('wasm');
    const backend = tf.backend() as tf.KernelBackend & { numDataIds(): number };
    const buffers = backend.numDataIds();
    const x = tf.tensor([1.5, -2, 0, 4], [2, 2]);
    const same = tf.cast(x, 'float32');
    assert.equal(backend.numDataIds(), buffers + 1, 'no copy made');
    x.dispose();
    assert.deepEqual(Array.from(same.dataSync()), [1.5, -2, 0, 4]);
    const ints = tf.cast(same, 'int32');
    assert.equal(ints.dtype, 'int32');
    assert.deepEqual(Array.from(ints.dataSync()), [1, -2, 0, 4]);
    tf.dispose([same, ints]);
    assert.equal(backend.numDataIds(), buffers);
  });

  it('casts float32 and int32 to bool as x ≠ 0, NaN true and -0 false, as the cpu backend does (tfjs-wasm truncates)', async () => {
    const floats = [0, 0.5, -0.3, 2, NaN, -0, Infinity, 1e-30];
    const ints = [0, 1, -1, 2, 7];
    const on = async (name: string) => {
      await tf.setBackend(name);
      const f = tf.cast(tf.tensor(floats, [2, 4]), 'bool');
      const i = tf.cast(tf.tensor(ints, [5], 'int32'), 'bool');
      const r = { dtype: f.dtype, shape: f.shape, f: Array.from(f.dataSync()), i: Array.from(i.dataSync()) };
      tf.dispose([f, i]);
      return r;
    };
    const cpu = await on('cpu');
    const wasm = await on('wasm');
    assert.deepEqual(cpu.f, [0, 1, 1, 1, 1, 0, 1, 1]);
    assert.deepEqual(cpu.i, [0, 1, 1, 1, 1]);
    assert.deepEqual(wasm, cpu);
  });
});
