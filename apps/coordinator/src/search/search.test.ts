import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSearchSpace } from '../spec/space.js';
import { applyAssignment, flattenAssignment } from './assignment.js';
import { enumerateGrid } from './grid.js';
import { mulberry32 } from './rng.js';
import { sampleDimension } from './sample.js';
import { GridSearcher, RandomSearcher } from './searcher.js';

/** Kolmogorov-Smirnov distance between samples and the uniform distribution on [lo, hi]. */
function ksUniform(samples: number[], lo: number, hi: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  let d = 0;
  sorted.forEach((x, i) => {
    const cdf = (x - lo) / (hi - lo);
    d = Math.max(d, Math.abs(cdf - i / sorted.length), Math.abs(cdf - (i + 1) / sorted.length));
  });
  return d;
}

const n = 4000;
const critical = 1.63 / Math.sqrt(n); // KS critical value at alpha = 0.01

test('loguniform is uniform in log space (KS on log values), and not uniform in linear space', () => {
  const random = mulberry32(11);
  const dim = { type: 'loguniform' as const, low: 1e-5, high: 1e-1 };
  const samples = Array.from({ length: n }, () => sampleDimension(dim, random) as number);
  assert.ok(samples.every((v) => v >= 1e-5 && v < 1e-1));
  const dLog = ksUniform(samples.map(Math.log), Math.log(1e-5), Math.log(1e-1));
  assert.ok(dLog < critical, `KS distance on log values ${dLog} >= ${critical}`);
  const dLinear = ksUniform(samples, 1e-5, 1e-1);
  assert.ok(dLinear > 0.5, `loguniform samples look linear-uniform (KS ${dLinear})`);
  // Each decade gets a quarter of the samples.
  for (let e = -5; e < -1; e++) {
    const share = samples.filter((v) => v >= 10 ** e && v < 10 ** (e + 1)).length / n;
    assert.ok(Math.abs(share - 0.25) < 0.03, `decade 1e${e}: ${share}`);
  }
});

test('uniform passes KS; int covers low..high inclusive evenly; choice is even', () => {
  const random = mulberry32(5);
  const u = Array.from({ length: n }, () => sampleDimension({ type: 'uniform', low: 0.3, high: 0.7 }, random) as number);
  assert.ok(ksUniform(u, 0.3, 0.7) < critical);
  const ints = Array.from({ length: n }, () => sampleDimension({ type: 'int', low: 16, high: 64, step: 16 }, random) as number);
  for (const v of [16, 32, 48, 64]) assert.ok(Math.abs(ints.filter((x) => x === v).length / n - 0.25) < 0.03, `int ${v}`);
  assert.ok(ints.every((v) => [16, 32, 48, 64].includes(v)));
  const choices = Array.from({ length: n }, () => sampleDimension({ type: 'choice', values: ['a', 'b'] }, random));
  assert.ok(Math.abs(choices.filter((c) => c === 'a').length / n - 0.5) < 0.03);
});

const conditional = parseSearchSpace({
  optimizer: {
    type: 'choice',
    values: [
      { name: 'sgd', momentum: 0.9, lr: { type: 'loguniform', low: 1e-3, high: 1e-1, points: 3 } },
      { name: 'adam', lr: { type: 'loguniform', low: 1e-4, high: 1e-2, points: 3 } },
    ],
  },
  'model.bn': [true, false],
  batchSize: { type: 'int', low: 32, high: 64, step: 32 },
});

test('grid is the complete cartesian product, conditional branches included, each point once', () => {
  const grid = enumerateGrid(conditional);
  assert.equal(grid.length, (3 + 3) * 2 * 2);
  const keys = new Set(grid.map((g) => JSON.stringify(g)));
  assert.equal(keys.size, grid.length);
  const sgdLrs = new Set(grid.filter((g) => (g.optimizer as { name: string }).name === 'sgd').map((g) => (g.optimizer as { lr: number }).lr));
  assert.deepEqual([...sgdLrs].map((v) => Number(v.toPrecision(6))), [1e-3, 1e-2, 1e-1]);
  assert.equal(new GridSearcher(conditional).size, 24);
  assert.throws(() => new GridSearcher(parseSearchSpace({ l2: { type: 'loguniform', low: 1e-5, high: 1e-3 } })), /space\.l2: grid search needs "points"/);
});

test('random search is seeded: same seed, same trials (in any order); another seed, other trials', () => {
  const a = new RandomSearcher(conditional, 42);
  const b = new RandomSearcher(conditional, 42);
  const c = new RandomSearcher(conditional, 43);
  const first = [0, 1, 2, 3, 4].map((i) => a.suggest(i));
  assert.deepEqual([4, 3, 2, 1, 0].map((i) => b.suggest(i)).reverse(), first);
  assert.notDeepEqual([0, 1, 2, 3, 4].map((i) => c.suggest(i)), first);
  // Each optimizer's lr stays in its own range.
  for (let i = 0; i < 200; i++) {
    const opt = a.suggest(i).optimizer as { name: string; lr: number };
    if (opt.name === 'sgd') assert.ok(opt.lr >= 1e-3 && opt.lr < 1e-1);
    else assert.ok(opt.lr >= 1e-4 && opt.lr < 1e-2);
  }
});

test('assignments merge into the base config and flatten to leaf parameters', () => {
  const assignment = { optimizer: { name: 'adam', lr: 1e-3 }, 'model.bn': false };
  const config = applyAssignment({ optimizer: { name: 'sgd', weightDecay: 0 }, model: { preset: 'mlp', bn: true } }, assignment);
  assert.deepEqual(config, { optimizer: { name: 'adam', weightDecay: 0, lr: 1e-3 }, model: { preset: 'mlp', bn: false } });
  assert.deepEqual(flattenAssignment(assignment), { 'optimizer.name': 'adam', 'optimizer.lr': 1e-3, 'model.bn': false });
});
