import test from 'node:test';
import assert from 'node:assert/strict';
import { splitDataset } from './split.js';
import type { ImageDataset } from './types.js';

/** A dataset whose single pixel is the sample's index, so splits can be traced back; imbalanced classes. */
function traced(classCounts: number[]): ImageDataset {
  const labels: number[] = [];
  classCounts.forEach((n, c) => labels.push(...new Array(n).fill(c)));
  const count = labels.length;
  return {
    images: Float32Array.from({ length: count }, (_, i) => i),
    labels: Int32Array.from(labels),
    count,
    height: 1,
    width: 1,
    channels: 1,
    numClasses: classCounts.length,
    name: 'traced',
  };
}

function classCounts(ds: ImageDataset): number[] {
  const n = new Array(ds.numClasses).fill(0);
  for (const l of ds.labels) n[l]++;
  return n;
}

for (const ratios of [[0.6, 0.2, 0.2], [0.98, 0.01, 0.01], [0.5, 0.5], [0.7, 0.1, 0.1, 0.1]]) {
  test(`splitDataset ${ratios.join('/')}: exact sizes, disjoint and covering, stratified within one per class`, () => {
    const ds = traced([1000, 600, 350, 50]);
    const parts = splitDataset(ds, { ratios, seed: 3 });
    assert.equal(parts.length, ratios.length);
    const seen = new Set<number>();
    parts.forEach((p, k) => {
      assert.ok(Math.abs(p.count - ratios[k]! * ds.count) < 1, `split ${k} has ${p.count}`);
      for (let i = 0; i < p.count; i++) {
        const origin = p.images[i]!;
        assert.ok(!seen.has(origin), `sample ${origin} in two splits`);
        seen.add(origin);
        assert.equal(p.labels[i], ds.labels[origin], 'label follows its image');
      }
      classCounts(p).forEach((n, c) => {
        const want = ratios[k]! * classCounts(ds)[c]!;
        assert.ok(Math.abs(n - want) <= 1, `split ${k} class ${c}: ${n} vs ${want}`);
      });
    });
    assert.equal(seen.size, ds.count);
  });
}

test('splitDataset is deterministic for a seed and differs across seeds; unstratified is still a partition', () => {
  const ds = traced([300, 300, 100]);
  const a = splitDataset(ds, { ratios: [0.8, 0.2], seed: 5 });
  const b = splitDataset(ds, { ratios: [0.8, 0.2], seed: 5 });
  const c = splitDataset(ds, { ratios: [0.8, 0.2], seed: 6 });
  assert.deepEqual(Array.from(a[1]!.images), Array.from(b[1]!.images));
  assert.notDeepEqual(Array.from(a[1]!.images), Array.from(c[1]!.images));
  const u = splitDataset(ds, { ratios: [0.8, 0.2], seed: 5, stratify: false });
  assert.deepEqual([u[0]!.count, u[1]!.count], [560, 140]);
  const all = [...u[0]!.images, ...u[1]!.images].sort((x, y) => x - y);
  assert.deepEqual(all, Array.from({ length: 700 }, (_, i) => i));
  assert.notDeepEqual(classCounts(u[1]!), [60, 60, 20], 'an unstratified split of this seed is not exactly proportional');
});

test('splitDataset rejects bad ratios and empty splits with the field named', () => {
  const ds = traced([30, 20]);
  assert.throws(() => splitDataset(ds, { ratios: [0.5, 0.4], seed: 0 }), /ratios: fractions must sum to 1/);
  assert.throws(() => splitDataset(ds, { ratios: [1.2, -0.2], seed: 0 }), /ratios\[0\]: expected a fraction in \(0, 1\], got 1.2/);
  assert.throws(() => splitDataset(ds, { ratios: [0.98, 0.01, 0.01], seed: 0 }), /ratio 0.01 of 50 samples leaves split 2 empty/);
  assert.throws(() => splitDataset(ds, { ratios: [0.5, 0.5], seed: -1 }), /seed must be a non-negative integer/);
});
