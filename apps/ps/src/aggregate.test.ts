import { test } from 'node:test';
import assert from 'node:assert/strict';
import { combineMetrics, meanInRankOrder } from './aggregate.js';

test('meanInRankOrder sums in rank order with float32 rounding, then divides by W', () => {
  const a = Float32Array.from([1e8, 1, 0.1]);
  const b = Float32Array.from([1, -1e8, 0.2]);
  const c = Float32Array.from([-1e8, 1e8, 0.3]);
  const [mean] = meanInRankOrder([[a], [b], [c]]);
  const f = Math.fround;
  const expected = [0, 1, 2].map((i) => f(f(f(a[i]! + b[i]!) + c[i]!) / 3));
  assert.deepEqual(Array.from(mean!), expected);
  // a different order of the same values gives a different float32 sum: the rank order is what fixes the result
  assert.notDeepEqual(Array.from(meanInRankOrder([[a], [c], [b]])[0]!), expected);
  assert.throws(() => meanInRankOrder([[a], [new Float32Array(2)]]), /rank 1 tensor 0 has 2 values, the first rank's has 3/);
});

test('combineMetrics weights each shard by its count', () => {
  const m = combineMetrics([{ loss: 1, top1: 0.5, top5: 1, count: 10 }, { loss: 3, top1: 0, top5: 0.5, count: 30 }]);
  assert.equal(m.count, 40);
  assert.equal(m.loss, 2.5);
  assert.equal(m.top1, 0.125);
  assert.equal(m.top5, 0.625);
});
