import test from 'node:test';
import assert from 'node:assert/strict';
import { assertClose, loadFixture } from '../testing/index.js';
import { fakeOptimizer } from './fixture-cases.js';
import { createWarmupScheduler, type SchedulerName } from './create.js';
import { LinearWarmup } from './linear-warmup.js';

interface WarmupCase {
  name: string;
  initialLr: number[];
  warmup: { epochs: number; startFactor?: number };
  main: SchedulerName | 'none';
  mainOptions: Record<string, unknown>;
  metrics?: number[];
  lr: number[][];
}
const fixture = loadFixture<{ torch: string; steps: number; cases: WarmupCase[] }>('schedulers/warmup.json');

function make(c: WarmupCase, opt: ReturnType<typeof fakeOptimizer>): LinearWarmup {
  return createWarmupScheduler(opt, c.warmup, c.main === 'none' ? null : { name: c.main, options: c.mainOptions as never });
}

test('the warmup fixture chains before every core scheduler, ReduceLROnPlateau included', () => {
  const mains = new Set(fixture.cases.map((c) => c.main));
  assert.deepEqual([...mains].sort(), ['cosine', 'exponential', 'linear', 'multiStep', 'none', 'reduceLROnPlateau', 'step']);
});

for (const c of fixture.cases) {
  test(`warmup then ${c.main} matches torch ${fixture.torch} (SequentialLR): ${c.name}`, () => {
    const opt = fakeOptimizer(c.initialLr);
    const sched = make(c, opt);
    assertClose(opt.paramGroups.map((g) => g.lr), c.lr[0]!, { label: `${c.name} after construction` });
    for (let t = 1; t < c.lr.length; t++) {
      sched.step(c.metrics?.[t - 1] as number);
      assertClose(opt.paramGroups.map((g) => g.lr), c.lr[t]!, { label: `${c.name} step ${t}` });
      assert.deepEqual(sched.getLastLr(), opt.paramGroups.map((g) => g.lr));
      assert.equal(sched.warmedUp, t >= c.warmup.epochs);
    }
  });

  test(`${c.name}: resumes from a JSON state dict during warmup and after it`, () => {
    for (const split of [c.warmup.epochs - 1, c.warmup.epochs, c.warmup.epochs + 3]) {
      const a = fakeOptimizer(c.initialLr);
      const first = make(c, a);
      for (let t = 1; t <= split; t++) first.step(c.metrics?.[t - 1] as number);
      const saved = JSON.parse(JSON.stringify(first.stateDict()));
      const b = fakeOptimizer(c.initialLr);
      const second = make(c, b);
      second.loadStateDict(saved);
      assertClose(b.paramGroups.map((g) => g.lr), c.lr[split]!, { label: `${c.name} restored at ${split}` });
      for (let t = split + 1; t < c.lr.length; t++) {
        second.step(c.metrics?.[t - 1] as number);
        assertClose(b.paramGroups.map((g) => g.lr), c.lr[t]!, { label: `${c.name} resumed at ${split}, step ${t}` });
      }
    }
  });
}

test('bad warmup or main options throw at construction, naming the option', () => {
  assert.throws(() => new LinearWarmup(fakeOptimizer([0.1]), { epochs: 0 }), /LinearWarmup: option 'epochs' must be an integer ≥ 1, got 0/);
  assert.throws(() => new LinearWarmup(fakeOptimizer([0.1]), { epochs: 2, startFactor: 0 }), /option 'startFactor' must be a finite number > 0 and ≤ 1/);
  assert.throws(() => new LinearWarmup(fakeOptimizer([0.1]), { epochs: 2, warm: 1 } as never), /unknown option 'warm'/);
  const opt = fakeOptimizer([0.1]);
  assert.throws(() => createWarmupScheduler(opt, { epochs: 2 }, { name: 'step', options: { stepSize: 0 } }), /StepLR: option 'stepSize'/);
  assert.deepEqual(opt.paramGroups.map((g) => g.lr), [0.1], 'a refused scheduler left the lr alone');
});
