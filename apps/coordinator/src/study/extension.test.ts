import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { z } from 'zod';
import { registerTrialScheduler } from '../schedulers/registry.js';
import type { RungRecord, SchedulerDecision, TrialScheduler } from '../schedulers/types.js';
import { registerSearcher } from '../search/registry.js';
import { GridSearcher, type Searcher, type TrialResult } from '../search/searcher.js';
import type { Assignment } from '../search/sample.js';
import { StudySpecError } from '../spec/load.js';
import type { TrialRow } from '../storage/types.js';
import { runStudy } from './run-study.js';
import { simulatedSpec, tempDir } from './test-helpers.js';

/** A library user's searcher: walks a grid and records every finished trial it is told about. */
class RecordingSearcher implements Searcher {
  readonly name = 'recording';
  readonly seen: { trial: TrialRow; result: TrialResult }[] = [];
  private readonly grid: GridSearcher;
  constructor(grid: GridSearcher, readonly tag: string) {
    this.grid = grid;
  }
  get size(): number {
    return this.grid.size;
  }
  suggest(index: number): Assignment {
    return this.grid.suggest(index);
  }
  onTrialComplete(trial: TrialRow, result: TrialResult): void {
    this.seen.push({ trial, result });
  }
}
const instances: RecordingSearcher[] = [];
registerSearcher('recording', {
  options: z.object({ tag: z.string().min(1) }).strict(),
  create: (spec, { tag }) => {
    const searcher = new RecordingSearcher(new GridSearcher(spec.space), tag);
    instances.push(searcher);
    return { searcher, trials: searcher.size };
  },
});

const raw = {
  name: 'recorded', searcher: { name: 'recording', tag: 'lab-a' }, objective: { metric: 'valAccuracy' },
  budget: { maxConcurrent: 2, maxEpochs: 4 },
  base: { sim: { epochMs: 40 } },
  // 0.2 diverges at epoch 3 and 3 at epoch 1 (the simulated curve), the rest complete.
  space: { 'optimizer.lr': [0.01, 3, 0.003, 0.2, 0.02, 0.005] },
};

test('a registered searcher gets its options and hears every finished trial exactly once, also across a coordinator restart', async () => {
  const storage = join(tempDir('ext-searcher'), 'studies.sqlite');
  const abort = new AbortController();
  let finishes = 0;
  const first = await runStudy({
    spec: simulatedSpec(raw), storage, signal: abort.signal,
    onEvent: (e) => {
      if (e.kind === 'finish' && ++finishes === 2) abort.abort();
    },
  });
  assert.equal(first.finished, false);
  const before = instances.at(-1)!;
  assert.equal(before.tag, 'lab-a');
  const finishedFirst = first.trials.filter((t) => !['pending', 'running'].includes(t.state));
  assert.ok(finishedFirst.length >= 2 && finishedFirst.length < 6, `stopped at the wrong point: ${first.trials.map((t) => t.state)}`);
  assert.deepEqual(before.seen.map((s) => s.trial.number).sort(), finishedFirst.map((t) => t.number).sort(), 'first run: heard only (and all) finished trials');
  assert.ok(first.trials.some((t) => t.state === 'pending' && t.attempt === 1), 'no trial was interrupted: the requeue path was not exercised');

  const second = await runStudy({ spec: simulatedSpec(raw), storage });
  assert.equal(second.finished, true);
  const restarted = instances.at(-1)!;
  assert.notEqual(restarted, before);
  const numbers = restarted.seen.map((s) => s.trial.number);
  assert.deepEqual([...numbers].sort(), [0, 1, 2, 3, 4, 5], `each finished trial once: ${numbers}`);
  // The ones finished before the restart are replayed first, before anything new finishes.
  assert.deepEqual(numbers.slice(0, finishedFirst.length).sort(), finishedFirst.map((t) => t.number).sort());
  for (const { trial, result } of restarted.seen) {
    const final = second.trials.find((t) => t.number === trial.number)!;
    assert.deepEqual(result, { state: final.state, objective: final.objective, epochs: final.epochs, crashedEpoch: final.crashedEpoch });
  }
  const byLr = new Map(restarted.seen.map((s) => [s.trial.assignment['optimizer.lr'] ?? (s.trial.assignment as { optimizer?: { lr: number } }).optimizer?.lr, s.result]));
  assert.deepEqual([byLr.get(3)?.state, byLr.get(3)?.crashedEpoch], ['crashed', 1]);
  assert.deepEqual([byLr.get(0.2)?.state, byLr.get(0.2)?.crashedEpoch], ['crashed', 3]);
  assert.deepEqual([byLr.get(0.01)?.state, byLr.get(0.01)?.epochs], ['completed', 4]);
});

test('searcher and scheduler names and options are checked against the registries', () => {
  assert.throws(() => simulatedSpec({ ...raw, searcher: 'tpe' }), (e: Error) => e instanceof StudySpecError && /searcher: unknown searcher "tpe" \(known: random, grid, recording/.test(e.message));
  assert.throws(() => simulatedSpec({ ...raw, searcher: { name: 'recording' } }), /searcher\.tag: /);
  assert.throws(() => simulatedSpec({ ...raw, searcher: { name: 'grid', tag: 'x' } }), /searcher: Unrecognized key: "tag"/);
  assert.throws(() => simulatedSpec({ ...raw, scheduler: { name: 'hyperband' } }), /scheduler\.name: unknown scheduler "hyperband" \(known: fifo, asha/);
  assert.throws(() => simulatedSpec({ ...raw, scheduler: { name: 'asha', reductionFactor: 1 } }), /scheduler\.reductionFactor: reductionFactor \(η\) must be greater than 1/);
  assert.throws(() => simulatedSpec({ ...raw, scheduler: { name: 'asha', minEpochs: 9 } }), /scheduler\.minEpochs: must not exceed maxEpochs \(4\), got 9/);
});

/** A library user's scheduler: stops every trial at a fixed epoch. */
class StopAtScheduler implements TrialScheduler {
  readonly name = 'stop-at';
  readonly rungEpochs: readonly number[];
  private readonly recorded: RungRecord[] = [];
  constructor(private readonly epoch: number) {
    this.rungEpochs = [epoch];
  }
  onEpoch(trialId: number, epoch: number, value: number): SchedulerDecision {
    if (epoch !== this.epoch) return { action: 'continue' };
    const record: RungRecord = { trialId, rung: 0, epoch, value, seen: 1, keep: 0, rank: 1, decision: 'stop' };
    this.recorded.push(record);
    return { action: 'stop', record };
  }
  restore(records: readonly RungRecord[]): void {
    this.recorded.push(...records);
  }
  records(): RungRecord[] {
    return [...this.recorded];
  }
}
registerTrialScheduler('stop-at', {
  options: z.object({ epoch: z.number().int().min(1) }).strict(),
  create: (_spec, { epoch }) => new StopAtScheduler(epoch),
});

test('a registered trial scheduler runs a study through runStudy', async () => {
  const storage = join(tempDir('ext-scheduler'), 'studies.sqlite');
  const spec = simulatedSpec({
    name: 'stop-early', seed: 2, objective: { metric: 'valAccuracy' }, budget: { trials: 3, maxConcurrent: 2, maxEpochs: 5 },
    scheduler: { name: 'stop-at', epoch: 2 }, base: { sim: { epochMs: 20 } },
    space: { 'optimizer.lr': { type: 'loguniform', low: 3e-3, high: 3e-2 } },
  });
  assert.deepEqual(spec.scheduler, { name: 'stop-at', epoch: 2 });
  const result = await runStudy({ spec, storage });
  assert.equal(result.finished, true);
  assert.deepEqual(result.trials.map((t) => [t.state, t.epochs]), [['stopped', 2], ['stopped', 2], ['stopped', 2]]);
});
