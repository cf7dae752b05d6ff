// The addon's step loops (the parameter server's mean, SGD's momentum update, the finiteness scan) against core's JavaScript loops,
// bit for bit, on seeded random arrays with hard values (subnormals, ±0, values near float32's overflow), and the
// strategy switch selectBackend makes. Without the addon these tests skip, except under TENSORFLEET_REQUIRE_NATIVE=1
// (set by .ci/run), where they fail.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { loadNativeKernels } from './native-kernels/load.js';
import { nativeStepLoops } from './native-kernels/step-loops.js';
import { selectBackend } from './select-backend.js';
import { SGD } from '../optim/sgd.js';
import { jsStepLoops, stepLoops, useStepLoops, type StepLoops } from '../numeric/step-loops.js';
import { findNonFinite } from '../numeric/find-non-finite.js';
import { rng } from './test-support.js';

const required = process.env['TENSORFLEET_REQUIRE_NATIVE'] === '1';
const loaded = await loadNativeKernels(1).then(
  (native) => ({ native, why: undefined }),
  (err: Error) => ({ native: undefined, why: err.message }),
);
const skip = loaded.native === undefined && !required ? `native kernels unavailable: ${loaded.why}` : false;
const native = (): StepLoops => {
  assert.ok(loaded.native, `TENSORFLEET_REQUIRE_NATIVE=1 but the addon did not load: ${loaded.why}`);
  return nativeStepLoops(loaded.native);
};

const f = Math.fround;
/** Float32 values of every kind the loops meet: ordinary, tiny (subnormal results), huge (overflow to ±Infinity), ±0. */
function hardValues(n: number, next: () => number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const u = next();
    const kind = Math.floor(next() * 10);
    out[i] = kind === 0 ? (u - 0.5) * 1e-38 : kind === 1 ? (u - 0.5) * 6e38 : kind === 2 ? (u < 0.5 ? 0 : -0) : (u - 0.5) * 4;
  }
  return out;
}
/** Bitwise equality (NaN payloads aside: every NaN counts as the same), naming the first index that differs. */
function assertSameBits(actual: Float32Array, expected: Float32Array, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  const a = new Uint32Array(actual.buffer, actual.byteOffset, actual.length);
  const e = new Uint32Array(expected.buffer, expected.byteOffset, expected.length);
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== e[i] && !(Number.isNaN(actual[i]) && Number.isNaN(expected[i]))) {
      assert.fail(`${what}: index ${i} is ${actual[i]} (0x${a[i]!.toString(16)}), JavaScript's ${expected[i]} (0x${e[i]!.toString(16)})`);
    }
  }
}

const lengths = [0, 1, 3, 8, 31, 4099, 65_537];

describe('native step loops', { skip }, () => {
  after(() => useStepLoops(jsStepLoops));

  it('addInto and addDivideInto give the JavaScript loops\' bits', () => {
    const next = rng(11);
    for (const n of lengths) {
      for (const divisor of [1, 2, 3, 7, 16]) {
        const sum = hardValues(n, next);
        const t = hardValues(n, next);
        const [a, b] = [sum.slice(), sum.slice()];
        jsStepLoops.addInto(a, t);
        native().addInto(b, t);
        assertSameBits(b, a, `addInto n=${n}`);
        jsStepLoops.addDivideInto(a, t, divisor);
        native().addDivideInto(b, t, divisor);
        assertSameBits(b, a, `addDivideInto n=${n} divisor=${divisor}`);
      }
    }
  });

  it('sgdMomentum gives the JavaScript loop\'s bits, with and without weight decay and dampening', () => {
    const next = rng(12);
    for (const n of lengths) {
      for (const [mu, dampening, wd, lr] of [[0.9, 0, 5e-4, 0.01], [0.9, 0, 0, 0.1], [0.5, 0.3, 1e-2, 1.5], [0.99, 0, 3, 1e-3]] as const) {
        const param = hardValues(n, next);
        const grad = hardValues(n, next);
        const buf = hardValues(n, next);
        const js = { param: param.slice(), buf: buf.slice() };
        const c = { param: param.slice(), buf: buf.slice() };
        const args = [f(mu), f(1 - dampening), f(wd), f(-lr)] as const;
        for (let step = 0; step < 3; step++) {
          jsStepLoops.sgdMomentum(js.param, grad, js.buf, ...args);
          native().sgdMomentum(c.param, grad, c.buf, ...args);
        }
        const what = `sgdMomentum n=${n} mu=${mu} dampening=${dampening} wd=${wd} lr=${lr}`;
        assertSameBits(c.buf, js.buf, `${what}: buffer`);
        assertSameBits(c.param, js.param, `${what}: param`);
      }
    }
  });

  it('findNonFinite finds the first NaN or ±Infinity where JavaScript does, across block boundaries, and -1 on finite values', () => {
    const next = rng(16);
    for (const n of [1, 7, 4095, 4096, 4097, 9000, 65_537]) {
      const finite = hardValues(n, next).map((v) => (Number.isFinite(v) ? v : 1));
      assert.equal(native().findNonFinite(finite), -1, `finite n=${n} (subnormals, ±0, ±max included)`);
      for (const bad of [NaN, Infinity, -Infinity]) {
        for (const at of [0, Math.floor(n / 2), n - 1, Math.min(n - 1, 4096)]) {
          const values = finite.slice();
          values[at] = bad;
          if (at + 3 < n) values[at + 3] = NaN; // a later one does not hide the first
          assert.equal(native().findNonFinite(values), jsStepLoops.findNonFinite(values), `${bad} at ${at} of ${n}`);
          assert.equal(native().findNonFinite(values), at);
          assert.equal(native().findNonFinite(values.subarray(at + 1, at + 3)), -1, 'a view starts where it says');
        }
      }
    }
  });

  it('findNonFinite runs on the loops in use for a large Float32Array, on JavaScript for the rest', () => {
    const calls: string[] = [];
    const spy = (name: string, loops: StepLoops): StepLoops => ({ ...loops, findNonFinite: (v) => (calls.push(name), loops.findNonFinite(v)) });
    useStepLoops(spy('native', native()));
    const big = new Float32Array(5000);
    big[4321] = NaN;
    assert.equal(findNonFinite(big), 4321);
    assert.equal(findNonFinite(new Float32Array([1, Infinity])), 1);
    assert.equal(findNonFinite([1, 2, NaN]), 2);
    assert.deepEqual(calls, ['native']);
    useStepLoops(jsStepLoops);
  });

  it('refuses arrays of different lengths and non-Float32Array arguments, naming the argument, and writes nothing', () => {
    const sum = new Float32Array([1, 2, 3]);
    assert.throws(() => native().addInto(sum, new Float32Array(2)), /argument 1 has 2 values, argument 0 has 3/);
    assert.throws(() => native().addDivideInto(sum, new Float64Array(3) as unknown as Float32Array, 2), /argument 1 must be a Float32Array/);
    assert.throws(() => native().findNonFinite([1, 2] as unknown as Float32Array), /argument 0 must be a Float32Array/);
    assert.throws(
      () => native().sgdMomentum(sum, new Float32Array(3), new Float32Array(4), 0.9, 1, 0, -0.1),
      /argument 2 has 4 values, argument 0 has 3/,
    );
    assert.deepEqual([...sum], [1, 2, 3]);
  });

  it('a torch.optim.SGD run is the same bit for bit whichever loops run it (subarray views included)', () => {
    // Moderate values: the optimizer refuses non-finite gradients, and the first step (which fills the buffers) is its own loop.
    const moderate = (n: number, next: () => number) => hardValues(n, next).map((v) => (Math.abs(v) < 1e6 ? v : 0.5));
    const run = (loops: StepLoops): Float32Array[] => {
      useStepLoops(loops);
      const backing = moderate(5000, rng(14));
      const params = [backing.subarray(0, 4096), backing.subarray(4096, 4999), backing.slice(10, 20)];
      const opt = new SGD(params, { lr: 0.05, momentum: 0.9, weightDecay: 1e-4 });
      const next = rng(15);
      for (let step = 0; step < 4; step++) opt.step(params.map((p) => moderate(p.length, next)));
      return params.map((p) => p.slice());
    };
    const viaJs = run(jsStepLoops);
    const viaNative = run(native());
    viaJs.forEach((p, k) => assertSameBits(viaNative[k]!, p, `SGD param ${k}`));
  });

  it("selectBackend('native') puts the addon's loops in use and 'wasm' restores JavaScript's", async () => {
    await selectBackend({ preferred: 'native', threads: 1, log: () => {} });
    assert.equal(stepLoops().name, 'native');
    await selectBackend({ preferred: 'wasm', log: () => {} });
    assert.equal(stepLoops().name, 'js');
  });
});
