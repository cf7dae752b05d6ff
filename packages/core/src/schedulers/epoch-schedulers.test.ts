import test from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { assertClose, loadFixture } from '../testing/index.js';
import { fakeOptimizer, makeEpochScheduler, type EpochCase } from './fixture-cases.js';
import type { SchedulerTarget } from './target.js';
import { CosineAnnealingLR } from './cosine-annealing-lr.js';
import { LinearLR } from './linear-lr.js';
import { MultiStepLR } from './multi-step-lr.js';
import { StepLR } from './step-lr.js';
import { ExponentialLR } from './exponential-lr.js';
import { createScheduler, schedulerNames } from './create.js';
import { ReduceLROnPlateau } from './reduce-lr-on-plateau.js';

const fixture = loadFixture<{ torch: string; steps: number; cases: EpochCase[] }>('schedulers/epoch.json');

function run(c: EpochCase, target: SchedulerTarget, readLrs: () => number[]): void {
  const scheds = c.schedulers.map((s) => makeEpochScheduler(s.kind, target, s.options));
  assertClose(readLrs(), c.lr[0]!, { label: `${c.name} after construction` });
  for (let t = 1; t < c.lr.length; t++) {
    for (const s of scheds) s.step();
    assertClose(readLrs(), c.lr[t]!, { label: `${c.name} epoch ${t}` });
    assert.deepEqual(scheds.at(-1)!.getLastLr(), readLrs());
  }
}

test('epoch fixture covers every scheduler, cosine over several periods, warmup, chaining', () => {
  const kinds = new Set(fixture.cases.flatMap((c) => c.schedulers.map((s) => s.kind)));
  assert.deepEqual([...kinds].sort(), ['CosineAnnealingLR', 'ExponentialLR', 'LinearLR', 'MultiStepLR', 'StepLR']);
  const cos = fixture.cases.find((c) => c.name === 'cosine_eta_min')!;
  assert.ok(fixture.steps > 2 * 2 * (cos.schedulers[0]!.options.T_max as number));
});

for (const c of fixture.cases) {
  test(`${c.schedulers.map((s) => s.kind).join('+')} matches torch ${fixture.torch} on a core optimizer: ${c.name}`, () => {
    const opt = fakeOptimizer(c.initialLr);
    run(c, opt, () => opt.paramGroups.map((g) => g.lr));
    assert.deepEqual(opt.paramGroups.map((g) => g.initialLr), c.initialLr, 'initialLr set like torch initial_lr');
  });

  test(`${c.name}: resumes from a JSON state dict mid-run`, () => {
    const split = 13;
    const a = fakeOptimizer(c.initialLr);
    const first = c.schedulers.map((s) => makeEpochScheduler(s.kind, a, s.options));
    for (let t = 1; t <= split; t++) for (const s of first) s.step();
    const saved = JSON.parse(JSON.stringify(first.map((s) => s.stateDict())));
    const b = fakeOptimizer(c.initialLr);
    const second = c.schedulers.map((s) => makeEpochScheduler(s.kind, b, s.options));
    second.forEach((s, i) => s.loadStateDict(saved[i]));
    assertClose(b.paramGroups.map((g) => g.lr), c.lr[split]!, { label: `${c.name} restored` });
    for (let t = split + 1; t < c.lr.length; t++) {
      for (const s of second) s.step();
      assertClose(b.paramGroups.map((g) => g.lr), c.lr[t]!, { label: `${c.name} resumed epoch ${t}` });
    }
  });
}

test('single-group fixtures also match on a tfjs optimizer and on a model target', () => {
  for (const c of fixture.cases.filter((x) => x.initialLr.length === 1)) {
    const sgd = tf.train.sgd(c.initialLr[0]!);
    run(c, sgd, () => [(sgd as unknown as { learningRate: number }).learningRate]);
    const adam = tf.train.adam(c.initialLr[0]!);
    const model = { optimizer: adam };
    run(c, model, () => [(adam as unknown as { learningRate: number }).learningRate]);
    sgd.dispose(); adam.dispose();
  }
});

test('createScheduler builds each kind by name and names the unknown', () => {
  const opt = fakeOptimizer([0.1]);
  assert.ok(createScheduler('step', opt, { stepSize: 2 }) instanceof StepLR);
  assert.ok(createScheduler('multiStep', fakeOptimizer([0.1]), { milestones: [1] }) instanceof MultiStepLR);
  assert.ok(createScheduler('exponential', fakeOptimizer([0.1]), { gamma: 0.5 }) instanceof ExponentialLR);
  assert.ok(createScheduler('cosine', fakeOptimizer([0.1]), { tMax: 3 }) instanceof CosineAnnealingLR);
  assert.ok(createScheduler('linear', fakeOptimizer([0.1]), {}) instanceof LinearLR);
  assert.ok(createScheduler('reduceLROnPlateau', fakeOptimizer([0.1]), {}) instanceof ReduceLROnPlateau);
  assert.deepEqual(schedulerNames, ['reduceLROnPlateau', 'step', 'multiStep', 'exponential', 'cosine', 'linear']);
  assert.throws(() => createScheduler('onecycle' as never, opt, {} as never),
    /unknown scheduler 'onecycle' \(known: reduceLROnPlateau, step, multiStep, exponential, cosine, linear\)/);
});

test('epoch schedulers reject bad options by name and leave state alone on a bad state dict', () => {
  const opt = fakeOptimizer([0.1]);
  assert.throws(() => new StepLR(opt, { stepSize: 0 }), /StepLR: option 'stepSize' must be an integer ≥ 1, got 0/);
  assert.throws(() => new StepLR(opt, {} as never), /option 'stepSize' must be an integer ≥ 1, got undefined/);
  assert.throws(() => new StepLR(opt, { stepSize: 2, gamma: -1 }), /option 'gamma' must be a finite number > 0/);
  assert.throws(() => new MultiStepLR(opt, { milestones: [1, 2.5] }), /option 'milestones' must be an array of integers ≥ 0, got \[1, 2.5\]/);
  assert.throws(() => new ExponentialLR(opt, { gamma: Infinity }), /ExponentialLR: option 'gamma'/);
  assert.throws(() => new CosineAnnealingLR(opt, { tMax: 0 }), /option 'tMax' must be an integer ≥ 1/);
  assert.throws(() => new CosineAnnealingLR(opt, { tMax: 5, etaMin: -1 }), /option 'etaMin'/);
  assert.throws(() => new LinearLR(opt, { startFactor: 0 }), /option 'startFactor' must be a finite number > 0 and ≤ 1, got 0/);
  assert.throws(() => new LinearLR(opt, { endFactor: 1.5 }), /option 'endFactor'/);
  assert.throws(() => new LinearLR(opt, { totalIter: 3 } as never), /unknown option 'totalIter' \(known: startFactor, endFactor, totalIters\)/);
  assert.deepEqual(opt.paramGroups.map((g) => g.lr), [0.1], 'failed constructions did not touch the lr');

  const s = new StepLR(opt, { stepSize: 2 });
  s.step(); s.step(); s.step();
  const before = s.stateDict();
  assert.throws(() => s.loadStateDict({ ...before, lastEpoch: -3 }), /lastEpoch' must be an integer ≥ 0, got -3/);
  assert.throws(() => s.loadStateDict({ ...before, kind: 'LinearLR' }), /StepLR.loadStateDict: option 'kind' must be 'StepLR', got "LinearLR"/);
  assert.throws(() => s.loadStateDict({ ...before, options: { stepSize: 'x' } }), /stepSize/);
  assert.throws(() => s.loadStateDict({ ...before, baseLrs: [0.1, 0.2] }), /baseLrs' must be an array of 1 finite numbers/);
  assert.deepEqual(s.stateDict(), before);
  assertClose(opt.paramGroups[0]!.lr, 0.01);
});
