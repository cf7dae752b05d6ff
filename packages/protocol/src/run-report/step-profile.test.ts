import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MARKED_STEPS, stepProfiler } from './step-profile.js';

describe('step profiler marks', () => {
  it('stamps marks on the machine clock, keyed by step, the latest stamp of a step winning', () => {
    const profile = stepProfiler(true);
    const t0 = performance.now();
    profile.mark('lastPushIn', 3, t0);
    profile.mark('lastPushIn', 3, t0 + 2); // a later push of the same step
    profile.mark('meanDone', 3);
    profile.stepDone();
    const marks = profile.report()!.marks!;
    assert.deepEqual(marks.lastPushIn, [[3, performance.timeOrigin + t0 + 2]]);
    const [[step, at]] = marks.meanDone!;
    assert.equal(step, 3);
    assert.ok(Math.abs(at - Date.now()) < 1000, `meanDone at ${at} is not on the machine clock (now ${Date.now()})`);
  });

  it('keeps the latest MARKED_STEPS steps, in step order', () => {
    const profile = stepProfiler(true);
    for (let s = 0; s < MARKED_STEPS + 10; s++) profile.mark('pushed', s);
    profile.stepDone();
    const pushed = profile.report()!.marks!.pushed!;
    assert.equal(pushed.length, MARKED_STEPS);
    assert.equal(pushed[0]![0], 10);
    assert.equal(pushed.at(-1)![0], MARKED_STEPS + 9);
    assert.ok(pushed.every(([s], i) => i === 0 || s > pushed[i - 1]![0]));
  });

  it('reports no marks when none were made, and marks nothing when off', () => {
    const on = stepProfiler(true);
    on.add('compute', 5);
    on.stepDone();
    assert.equal(on.report()!.marks, undefined);
    const off = stepProfiler(false);
    off.mark('pushed', 1);
    assert.equal(off.report(), null);
  });
});
