import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { type BackendChoice, selectBackend } from './select-backend.js';

const quiet = { log: () => {} };

describe('selectBackend', () => {
  it('auto picks wasm here (tfjs-node is not installed), with the native kernels when they built, and says why', async () => {
    const logged: BackendChoice[] = [];
    const choice = await selectBackend({ env: {}, log: (c) => logged.push(c) });
    assert.equal(choice.name, 'wasm');
    assert.equal(tf.getBackend(), 'wasm');
    const native = await import('@tensorfleet/native').then((m) => m.loadNativeKernels()).then(() => true, () => false);
    // .ci/run installs OpenBLAS, so there the native kernels must be the choice.
    if (process.env['TENSORFLEET_REQUIRE_NATIVE'] === '1') assert.ok(native, 'TENSORFLEET_REQUIRE_NATIVE=1 but @tensorfleet/native did not load');
    if (native) {
      assert.equal(choice.selected, 'native');
      assert.match(choice.reason, /^auto: native \(fastest available\).*native kernels on OpenBLAS/);
    } else {
      assert.equal(choice.selected, 'wasm');
      assert.match(choice.reason, /^auto: wasm \(fastest available\).*native kernels unavailable \(/);
    }
    assert.match(choice.reason, /@tensorflow\/tfjs-node-gpu unavailable/);
    assert.match(choice.reason, /@tensorflow\/tfjs-node unavailable/);
    assert.match(choice.reason, /wasm SIMD, 1 thread/);
    assert.deepEqual(logged, [choice]);
    // The training kernels are in place: a conv filter gradient runs on wasm.
    const g = tf.grad((w: tf.Tensor) => tf.conv2d(tf.ones([1, 4, 4, 1]) as tf.Tensor4D, w as tf.Tensor4D, 1, 'same').sum());
    assert.deepEqual(Array.from(g(tf.ones([3, 3, 1, 1])).dataSync()), [9, 12, 9, 12, 16, 12, 9, 12, 9]);
  });

  it('honours preferred, and TENSORFLEET_BACKEND over it', async () => {
    assert.equal((await selectBackend({ preferred: 'cpu', env: {}, ...quiet })).name, 'cpu');
    const viaEnv = await selectBackend({ preferred: 'cpu', env: { TENSORFLEET_BACKEND: 'wasm' }, ...quiet });
    assert.equal(viaEnv.name, 'wasm');
    assert.match(viaEnv.reason, /^TENSORFLEET_BACKEND=wasm: wasm \(as requested\)/);
  });

  it('falls back down the order when the requested native backend is missing', async () => {
    const choice = await selectBackend({ preferred: 'tensorflow', env: {}, ...quiet });
    assert.equal(choice.name, 'wasm');
    assert.match(choice.reason, /fallback for 'tensorflow'/);
  });

  it('rejects an unknown name, naming the source and the choices', async () => {
    await assert.rejects(selectBackend({ env: { TENSORFLEET_BACKEND: 'gpu' }, ...quiet }), /TENSORFLEET_BACKEND: unknown backend 'gpu', expected one of auto, tensorflow-gpu/);
    await assert.rejects(selectBackend({ preferred: 'webgl' as never, env: {}, ...quiet }), /preferred.*unknown backend 'webgl'/);
  });
});
