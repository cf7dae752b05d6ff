import test from 'node:test';
import assert from 'node:assert/strict';
import { consumedPositions, epochOrder, shardIndices } from './shard.js';
import { loadFixture } from '../testing/assert.js';

interface SamplerCase { count: number; worldSize: number; seed: number; epoch: number; shuffle: boolean; dropLast: boolean; ranks: number[][] }
const reference = loadFixture<{ distributedSampler: SamplerCase[]; randperm: { n: number; seed: number; perm: number[] }[] }>('data/torch_reference.json');

test("shardIndices returns torch DistributedSampler's exact indices (shuffle, padding, drop_last)", () => {
  for (const c of reference.distributedSampler) {
    c.ranks.forEach((want, rank) => {
      const got = shardIndices({ count: c.count, rank, worldSize: c.worldSize, epoch: c.epoch, seed: c.seed, shuffle: c.shuffle, dropLast: c.dropLast });
      assert.deepEqual(Array.from(got), want, `${JSON.stringify({ ...c, ranks: undefined })} rank ${rank}`);
    });
  }
  for (const r of reference.randperm) assert.deepEqual(Array.from(epochOrder({ count: r.n, epoch: 0, seed: r.seed })), r.perm);
});

function shards(count: number, worldSize: number, epoch: number, extra: { dropLast?: boolean; consumed?: number } = {}) {
  return Array.from({ length: worldSize }, (_, rank) => Array.from(shardIndices({ count, rank, worldSize, epoch, seed: 17, ...extra })));
}

test('shards are equal in length, disjoint, and cover the data (padding wraps; dropLast drops the tail)', () => {
  for (const [count, w] of [[1000, 4], [1001, 4], [10, 3], [7, 7], [3, 5]] as const) {
    const padded = shards(count, w, 2);
    const len = Math.ceil(count / w);
    assert.ok(padded.every((s) => s.length === len), `equal lengths ${count}/${w}`);
    const all = padded.flat();
    assert.equal(new Set(all).size, count, 'covering');
    assert.equal(all.length - count, len * w - count, 'only the padding repeats');
    const dropped = shards(count, w, 2, { dropLast: true });
    const flat = dropped.flat();
    assert.ok(dropped.every((s) => s.length === Math.floor(count / w)));
    assert.equal(new Set(flat).size, flat.length, 'disjoint with dropLast');
  }
});

test('each epoch reshuffles; a changed world size between epochs reshards the same epoch order', () => {
  const e1 = shards(100, 4, 1).flat();
  const e2 = shards(100, 4, 2).flat();
  assert.notDeepEqual(e1, e2);
  const order = Array.from(epochOrder({ count: 100, epoch: 2, seed: 17 }));
  for (const w of [2, 3, 5]) {
    const s = shards(100, w, 2);
    assert.equal(new Set(s.flat()).size, 100, `W=${w} covers`);
    s.forEach((shard, r) => shard.forEach((idx, k) => assert.equal(idx, order[(r + k * w) % 100])));
  }
});

test('elastic resharding inside an epoch deals exactly the unconsumed remainder to the new world', () => {
  const count = 1000, batch = 16, epoch = 5;
  const before = shards(count, 4, epoch);
  const steps = 7;
  const consumed = consumedPositions({ steps, batchSize: batch, worldSize: 4 });
  const done = before.flatMap((s) => s.slice(0, steps * batch));
  assert.equal(new Set(done).size, consumed);
  const after = shards(count, 3, epoch, { consumed });
  const rest = after.flat();
  assert.ok(after.every((s) => s.length === Math.ceil((count - consumed) / 3)));
  const union = new Set([...done, ...rest]);
  assert.equal(union.size, count, 'every sample seen in the epoch');
  assert.equal(rest.filter((i) => done.includes(i)).length, 0, 'nothing consumed is dealt again');
});

test('shardIndices validates its options', () => {
  assert.throws(() => shardIndices({ count: 10, rank: 3, worldSize: 3, epoch: 0 }), /rank 3 must be below worldSize 3/);
  assert.throws(() => shardIndices({ count: 10, rank: 0, worldSize: 0, epoch: 0 }), /worldSize must be an integer ≥ 1, got 0/);
  assert.throws(() => shardIndices({ count: 10, rank: 0, worldSize: 2, epoch: 1.5 }), /epoch must be an integer ≥ 0/);
  assert.throws(() => shardIndices({ count: 10, rank: 0, worldSize: 2, epoch: 0, consumed: 11 }), /consumed 11 exceeds count 10/);
  assert.equal(shardIndices({ count: 10, rank: 0, worldSize: 2, epoch: 0, consumed: 10 }).length, 0);
});
