import test from 'node:test';
import assert from 'node:assert/strict';
import { assertClose, loadFixture } from '../testing/index.js';
import { ReduceLROnPlateau } from './reduce-lr-on-plateau.js';
import { fakeOptimizer, plateauOptions, type PlateauCase } from './fixture-cases.js';

const fixture = loadFixture<{ torch: string; cases: PlateauCase[] }>('schedulers/plateau.json');
const metricOf = (m: number | null) => (m === null ? NaN : m);

function checkStep(c: PlateauCase, i: number, sched: ReduceLROnPlateau, lrs: number[], prevLrs: number[]): void {
  const want = c.steps[i]!;
  const label = `${c.name} step ${i}`;
  assertClose(lrs, want.lr, { label: `${label} lr` });
  // The decisions are exact: same steps reduce, same counters, same best.
  want.lr.forEach((lr, g) => assert.equal(lrs[g] !== prevLrs[g], lr !== (i === 0 ? c.initialLr : c.steps[i - 1]!.lr)[g],
    `${label}: reduction decision of group ${g}`));
  assert.equal(sched.numBadEpochs, want.numBadEpochs, `${label} numBadEpochs`);
  assert.equal(sched.cooldownCounter, want.cooldownCounter, `${label} cooldownCounter`);
  assert.equal(sched.best, want.best ?? (sched.resolvedOptions.mode === 'min' ? Infinity : -Infinity), `${label} best`);
  assert.deepEqual(sched.getLastLr(), lrs);
}

test('plateau fixture covers every branch', () => {
  const names = fixture.cases.map((c) => c.name);
  for (const n of ['min_rel', 'min_abs', 'max_rel', 'max_abs', 'cooldown', 'min_lr_floor', 'eps_suppresses',
    'eps_near_floor', 'patience_0', 'two_groups', 'nan_metrics', 'defaults']) assert.ok(names.includes(n), n);
  const cd = fixture.cases.find((c) => c.name === 'cooldown')!;
  assert.ok(cd.steps.some((s) => s.cooldownCounter > 0));
});

for (const c of fixture.cases) {
  test(`ReduceLROnPlateau matches torch ${fixture.torch}: ${c.name}`, () => {
    const opt = fakeOptimizer(c.initialLr);
    const sched = new ReduceLROnPlateau(opt, plateauOptions(c));
    let prev = [...c.initialLr];
    c.metrics.forEach((m, i) => {
      sched.step(metricOf(m));
      const lrs = opt.paramGroups.map((g) => g.lr);
      checkStep(c, i, sched, lrs, prev);
      prev = lrs;
    });
  });

  test(`ReduceLROnPlateau resumes from a JSON state dict mid-run: ${c.name}`, () => {
    const split = 11;
    const first = fakeOptimizer(c.initialLr);
    const a = new ReduceLROnPlateau(first, plateauOptions(c));
    c.metrics.slice(0, split).forEach((m) => a.step(metricOf(m)));
    const saved = JSON.parse(JSON.stringify(a.stateDict()));
    const opt = fakeOptimizer(c.initialLr);   // a fresh optimizer: the load restores its lrs
    const b = new ReduceLROnPlateau(opt, {});  // options come from the state dict
    b.loadStateDict(saved);
    let prev = opt.paramGroups.map((g) => g.lr);
    c.metrics.slice(split).forEach((m, k) => {
      b.step(metricOf(m));
      const lrs = opt.paramGroups.map((g) => g.lr);
      checkStep(c, split + k, b, lrs, prev);
      prev = lrs;
    });
  });
}

test('ReduceLROnPlateau accepts a one-element tensor-like metric', () => {
  const opt = fakeOptimizer([0.1]);
  const s = new ReduceLROnPlateau(opt, { patience: 0 });
  s.step({ size: 1, dataSync: () => new Float32Array([2]) });
  s.step({ size: 1, dataSync: () => new Float32Array([3]) });
  assertClose(opt.paramGroups[0]!.lr, 0.01);
});

test('ReduceLROnPlateau verbose prints torch\'s message', (t) => {
  const lines: string[] = [];
  t.mock.method(console, 'log', (msg: string) => { lines.push(msg); });
  const s = new ReduceLROnPlateau(fakeOptimizer([0.1, 0.2]), { patience: 0, verbose: true, minLr: [0, 0.2] });
  s.step(1); s.step(1);
  assert.deepEqual(lines, ['Epoch 00002: reducing learning rate of group 0 to 1.0000e-02.']);
});

test('ReduceLROnPlateau rejects bad options and inputs with named errors, state untouched', () => {
  const opt = fakeOptimizer([0.1, 0.2]);
  const bad: [Record<string, unknown>, RegExp][] = [
    [{ mode: 'minimum' }, /option 'mode' must be one of 'min', 'max', got "minimum"/],
    [{ factor: 1 }, /option 'factor' must be a finite number ≥ 0 and < 1, got 1/],
    [{ patience: -1 }, /option 'patience' must be an integer ≥ 0, got -1/],
    [{ patience: 1.5 }, /option 'patience' must be an integer/],
    [{ thresholdMode: 'relative' }, /option 'thresholdMode' must be one of 'rel', 'abs'/],
    [{ cooldown: NaN }, /option 'cooldown'/],
    [{ minLr: [0.1] }, /option 'minLr' must be one number per param group \(2\), got \[0.1\]/],
    [{ minLr: -1 }, /option 'minLr' must be a finite number ≥ 0, got -1/],
    [{ eps: -1 }, /option 'eps'/],
    [{ patient: 3 }, /unknown option 'patient'/],
  ];
  for (const [o, re] of bad) assert.throws(() => new ReduceLROnPlateau(opt, o as never), re);
  assert.throws(() => new ReduceLROnPlateau({ paramGroups: [{ lr: 'x' }] } as never), /paramGroups\[0\]\.lr must be a finite number/);
  assert.throws(() => new ReduceLROnPlateau(42 as never), /scheduler target must be .*got number/);

  const s = new ReduceLROnPlateau(opt, { patience: 0 });
  s.step(1);
  const before = s.stateDict();
  assert.throws(() => s.step('1' as never), /metric must be a number or a one-element tensor, got 1/);
  assert.throws(() => s.loadStateDict({ ...before, numBadEpochs: -2 }), /numBadEpochs/);
  assert.throws(() => s.loadStateDict({ ...before, lastLr: [0.1] }), /lastLr' must be an array of 2 finite numbers/);
  assert.throws(() => s.loadStateDict({ ...before, kind: 'StepLR' }), /kind' must be 'ReduceLROnPlateau'/);
  assert.throws(() => s.loadStateDict({ ...before, options: { ...before.options, factor: 2 } }), /factor/);
  assert.deepEqual(s.stateDict(), before);
  assert.deepEqual(opt.paramGroups.map((g) => g.lr), [0.1, 0.2]);
});

test('ReduceLROnPlateau state before any step survives JSON (best ±Infinity ↔ null)', () => {
  for (const mode of ['min', 'max'] as const) {
    const a = new ReduceLROnPlateau(fakeOptimizer([0.1]), { mode, patience: 0 });
    const saved = JSON.parse(JSON.stringify(a.stateDict()));
    assert.equal(saved.best, null);
    const b = new ReduceLROnPlateau(fakeOptimizer([0.1]), {});
    b.loadStateDict(saved);
    assert.equal(b.best, mode === 'min' ? Infinity : -Infinity);
    b.step(5); b.step(5);
    assertClose(b.getLastLr(), [0.01], { label: `${mode}: second equal metric is a bad epoch` });
  }
});
