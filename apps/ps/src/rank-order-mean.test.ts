import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RankOrderMean } from './rank-order-mean.js';

const f = Math.fround;
/** Values whose float32 sum depends on the order they are added in. */
const tensorsOf = (seed: number): Float32Array[] => [
  Float32Array.from({ length: 257 }, (_, i) => Math.sin(seed * 7919 + i) * 10 ** ((i + seed) % 9)),
  Float32Array.from([[1e8, 1, -1e8, 1][(seed - 1) % 4]!, 0.1 * seed]), // in rank order 1; added 3,1,0,2: 0
];

function expectedMean(byRank: Float32Array[][]): Float32Array[] {
  return byRank[0]!.map((t0, k) => {
    const out = new Float32Array(t0.length);
    for (let i = 0; i < t0.length; i++) {
      let sum = t0[i]!;
      for (let r = 1; r < byRank.length; r++) sum = f(sum + byRank[r]![k]![i]!);
      out[i] = f(sum / byRank.length);
    }
    return out;
  });
}

/** Every ordering of [0..n). */
function permutations(n: number): number[][] {
  if (n === 1) return [[0]];
  return permutations(n - 1).flatMap((p) => Array.from({ length: n }, (_, at) => [...p.slice(0, at), n - 1, ...p.slice(at)]));
}

test('RankOrderMean: whatever order the pushes arrive in, the mean is bitwise the rank-order sum divided by W', () => {
  const byRank = [1, 2, 3, 4].map(tensorsOf);
  const expected = expectedMean(byRank);
  const mean = new RankOrderMean();
  for (const order of permutations(4)) {
    mean.begin();
    for (const r of order) mean.add(r, byRank[r]!);
    const got = mean.finish();
    got.forEach((t, k) => assert.deepEqual(Array.from(t), Array.from(expected[k]!), `arrival order ${order.join(',')} tensor ${k}`));
  }
  // The order matters to float32, so the test above could fail: summing in arrival order gives other bits.
  const arrival = expectedMean([3, 1, 0, 2].map((r) => byRank[r]!));
  assert.notDeepEqual(Array.from(arrival[1]!), Array.from(expected[1]!));
});

test('RankOrderMean.finishWith (the last push folded in the division pass) gives the bits of add + finish, in every arrival order', () => {
  const byRank = [1, 2, 3, 4].map(tensorsOf);
  const expected = expectedMean(byRank);
  const mean = new RankOrderMean();
  for (const order of permutations(4)) {
    mean.begin();
    for (const r of order.slice(0, -1)) mean.add(r, byRank[r]!);
    const got = mean.finishWith(order.at(-1)!, byRank[order.at(-1)!]!);
    got.forEach((t, k) => assert.deepEqual(Array.from(t), Array.from(expected[k]!), `arrival order ${order.join(',')} tensor ${k}`));
  }
  // One worker: the division by 1 in the copy's pass.
  mean.begin();
  const alone = mean.finishWith(0, byRank[2]!);
  alone.forEach((t, k) => assert.deepEqual(Array.from(t), Array.from(byRank[2]![k]!)));
  // Three of four (rank 1 left): ranks 0, 2, 3 in rank order, divided by 3.
  mean.begin();
  mean.add(3, byRank[3]!);
  mean.add(0, byRank[0]!);
  const three = mean.finishWith(2, byRank[2]!);
  const expectedThree = expectedMean([byRank[0]!, byRank[2]!, byRank[3]!]);
  three.forEach((t, k) => assert.deepEqual(Array.from(t), Array.from(expectedThree[k]!)));
});

test('RankOrderMean: a rank that never comes (it left) is skipped; the rest are folded in rank order and divided by their count', () => {
  const byRank = [1, 2, 3, 4].map(tensorsOf);
  const mean = new RankOrderMean();
  mean.begin();
  mean.add(3, byRank[3]!);
  mean.add(0, byRank[0]!);
  mean.add(2, byRank[2]!); // held: rank 1 is missing
  const got = mean.finish();
  const expected = expectedMean([byRank[0]!, byRank[2]!, byRank[3]!]);
  got.forEach((t, k) => assert.deepEqual(Array.from(t), Array.from(expected[k]!)));
});

test('RankOrderMean reuses its sum buffers from step to step and refuses mismatched tensors', () => {
  const mean = new RankOrderMean();
  mean.begin();
  mean.add(0, tensorsOf(1));
  const first = mean.finish();
  mean.begin();
  mean.add(0, tensorsOf(2));
  mean.add(1, tensorsOf(3));
  const second = mean.finish();
  assert.equal(second[0], first[0], 'the same Float32Array, refilled');
  assert.deepEqual(Array.from(second[1]!), Array.from(expectedMean([tensorsOf(2), tensorsOf(3)])[1]!));
  mean.begin();
  mean.add(0, tensorsOf(1));
  assert.throws(() => mean.add(1, [new Float32Array(3), new Float32Array(2)]), /rank 1 tensor 0 has 3 values, the first rank's has 257/);
  mean.begin();
  assert.throws(() => mean.finish(), /no workers/);
});
