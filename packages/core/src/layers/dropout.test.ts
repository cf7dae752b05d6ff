import assert from 'node:assert/strict';
import { test } from 'node:test';

import * as tf from '@tensorflow/tfjs';

import { dropout } from './dropout.js';
import { positionMaskStreams, SeedStream } from './seed-stream.js';

/** 5 binomial standard deviations around n·p: a wrong rate fails, a right one passes except with probability ~6e-7. */
function assertBinomialCount(count: number, n: number, p: number, label: string): void {
  const tolerance = 5 * Math.sqrt(n * p * (1 - p));
  assert.ok(Math.abs(count - n * p) <= tolerance, `${label}: ${count} of ${n} dropped, expected ${n * p} ± ${tolerance.toFixed(1)}`);
}

const n = 100_000;
// Nonzero inputs, so a zero in the output can only come from the mask.
const x = tf.add(tf.randomUniform([100, 1000], 0.5, 2, 'float32', 11), 0);

for (const p of [0.05, 0.3, 0.5]) {
  test(`dropout p=${p}: fraction zeroed ≈ p (binomial tolerance), survivors scaled by exactly fround(1/(1−p))`, () => {
    const y = (dropout({ rate: p }).apply(x, { training: true }) as tf.Tensor).dataSync();
    const xs = x.dataSync();
    const scale = Math.fround(1 / (1 - p));
    let zeros = 0;
    for (let i = 0; i < n; i++) {
      if (y[i] === 0) zeros++;
      else assert.equal(y[i], Math.fround(xs[i]! * scale), `survivor ${i}`);
    }
    assertBinomialCount(zeros, n, p, `dropout(${p})`);
  });
}

test('dropout is the identity at inference (training false or absent) and with rate 0', () => {
  const layer = dropout({ rate: 0.5 });
  assert.deepEqual((layer.apply(x) as tf.Tensor).dataSync(), x.dataSync());
  assert.deepEqual((layer.apply(x, { training: false }) as tf.Tensor).dataSync(), x.dataSync());
  assert.deepEqual((dropout({ rate: 0 }).apply(x, { training: true }) as tf.Tensor).dataSync(), x.dataSync());
});

test('same seed → same sequence of masks; masks change from call to call; other seeds differ', () => {
  const small = tf.ones([50, 40]);
  const masks = (seed: number | undefined, calls: number) => {
    const layer = dropout({ rate: 0.5, ...(seed === undefined ? {} : { seed }) });
    return Array.from({ length: calls }, () => Array.from((layer.apply(small, { training: true }) as tf.Tensor).dataSync()));
  };
  const [a1, a2] = masks(42, 2);
  const [b1, b2] = masks(42, 2);
  assert.deepEqual(a1, b1);
  assert.deepEqual(a2, b2);
  assert.notDeepEqual(a1, a2);
  assert.notDeepEqual(masks(43, 1)[0], a1);
  assert.notDeepEqual(masks(undefined, 1)[0], masks(undefined, 1)[0]);
});

test('the gradient of dropout is its mask: dropped elements get zero gradient, survivors 1/(1−p)', () => {
  const layer = dropout({ rate: 0.3, seed: 5 });
  const input = tf.ones([20, 30]);
  let y: ArrayLike<number> = [];
  const dx = tf.grad((t: tf.Tensor) => {
    const out = layer.apply(t, { training: true }) as tf.Tensor;
    y = out.dataSync();
    return tf.sum(out);
  })(input).dataSync();
  // With x = 1 the output is the multiplier itself.
  assert.deepEqual(Array.from(dx), Array.from(y));
});

test('dropout rejects a rate outside [0, 1) and a non-numeric seed, naming the option', () => {
  assert.throws(() => dropout({ rate: 1 }), /dropout rate: expected a drop probability in \[0, 1\), got 1/);
  assert.throws(() => dropout({ rate: -0.1 }), /dropout rate: .*got -0\.1/);
  assert.throws(() => dropout({ rate: Number.NaN }), /dropout rate: .*got NaN/);
  assert.throws(() => dropout({ rate: 0.5, seed: Number.POSITIVE_INFINITY }), /dropout seed: expected a finite number, got Infinity/);
});

test('training forwards of dropout leak no tensors', () => {
  const layer = dropout({ rate: 0.2, seed: 1 });
  tf.dispose(layer.apply(x, { training: true }) as tf.Tensor);
  const before = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) tf.dispose(layer.apply(x, { training: true }) as tf.Tensor);
  assert.equal(tf.memory().numTensors, before);
});

test('positionMaskStreams: masks depend on (seed, key, call within key), not on the calls made before', () => {
  const x = tf.ones([4, 64]);
  const maskAt = (model: tf.Sequential, key: string) => {
    positionMaskStreams(model, key);
    return Array.from((model.apply(x, { training: true }) as tf.Tensor).dataSync());
  };
  const build = () => tf.sequential({ layers: [dropout({ rate: 0.5, seed: 3, inputShape: [64] })] });
  const fresh = build();
  const used = build();
  for (let i = 0; i < 5; i++) maskAt(used, `0/${i}`); // a process that already trained 5 steps
  assert.deepEqual(maskAt(used, '0/7'), maskAt(fresh, '0/7'));
  assert.notDeepEqual(maskAt(fresh, '0/7'), maskAt(fresh, '1/7')); // another rank, other masks
  assert.notDeepEqual(maskAt(fresh, '0/7'), maskAt(fresh, '0/8'));
});

test('mask draws are independent: neighbouring elements and consecutive calls drop together at rate p²', () => {
  const p = 0.5;
  const stream = new SeedStream(9);
  stream.position('1/42');
  const size = 100_000;
  const [first, second] = [0, 1].map(() => tf.tidy(() => tf.equal(stream.nextKeepMultiplier([size], p), 0).dataSync()));
  let neighbours = 0;
  let acrossCalls = 0;
  for (let i = 0; i < size; i++) {
    if (first![i] && first![(i + 1) % size]) neighbours++;
    if (first![i] && second![i]) acrossCalls++;
  }
  assertBinomialCount(neighbours, size, p * p, 'neighbouring elements both dropped');
  assertBinomialCount(acrossCalls, size, p * p, 'an element dropped in two consecutive calls');
});
