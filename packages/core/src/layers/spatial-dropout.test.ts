import assert from 'node:assert/strict';
import { test } from 'node:test';

import * as tf from '@tensorflow/tfjs';

import { spatialDropout2d } from './spatial-dropout.js';

test('spatialDropout2d zeroes whole (sample, channel) maps with probability p and scales the others by 1/(1−p)', () => {
  const [n, h, w, c] = [64, 3, 4, 64];
  const p = 0.3;
  const x = tf.randomUniform([n, h, w, c], 0.5, 2, 'float32', 21);
  const y = (spatialDropout2d({ rate: p, seed: 9 }).apply(x, { training: true }) as tf.Tensor).dataSync();
  const xs = x.dataSync();
  const scale = Math.fround(1 / (1 - p));
  let droppedMaps = 0;
  for (let s = 0; s < n; s++) {
    for (let ch = 0; ch < c; ch++) {
      const at = (i: number, j: number) => ((s * h + i) * w + j) * c + ch;
      const dropped = y[at(0, 0)] === 0;
      if (dropped) droppedMaps++;
      for (let i = 0; i < h; i++) {
        for (let j = 0; j < w; j++) {
          const expected = dropped ? 0 : Math.fround(xs[at(i, j)]! * scale);
          assert.equal(y[at(i, j)], expected, `sample ${s} channel ${ch} pixel (${i}, ${j})`);
        }
      }
    }
  }
  const maps = n * c;
  const tolerance = 5 * Math.sqrt(maps * p * (1 - p));
  assert.ok(Math.abs(droppedMaps - maps * p) <= tolerance, `${droppedMaps} of ${maps} maps dropped, expected ${maps * p} ± ${tolerance.toFixed(1)}`);
});

test('spatialDropout2d: identity at inference, reproducible with a seed', () => {
  const x = tf.randomUniform([4, 5, 5, 8], 0.5, 2, 'float32', 22);
  assert.deepEqual((spatialDropout2d({ rate: 0.5 }).apply(x) as tf.Tensor).dataSync(), x.dataSync());
  const a = spatialDropout2d({ rate: 0.5, seed: 4 }).apply(x, { training: true }) as tf.Tensor;
  const b = spatialDropout2d({ rate: 0.5, seed: 4 }).apply(x, { training: true }) as tf.Tensor;
  assert.deepEqual(a.dataSync(), b.dataSync());
});

test('spatialDropout2d needs NHWC rank-4 input and a rate in [0, 1)', () => {
  assert.throws(() => spatialDropout2d({ rate: 0.1 }).apply(tf.ones([4, 3]), { training: true }), /spatialDropout2d: expected an NHWC input of rank 4, got shape \[4, 3\]/);
  assert.throws(() => spatialDropout2d({ rate: 1.2 }), /spatialDropout2d rate: expected a drop probability in \[0, 1\), got 1\.2/);
});
