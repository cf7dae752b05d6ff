// The behaviour every StudyStore must have: run against each implementation by store.test.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StorageLookupError, type StudyStore } from './store.js';

const handle = { pid: 4242, start: 'x' };
const allocation = { workers: [{ node: 'local', host: 'localhost', gpus: [] }] } as never;
const newStudy = (name: string) => ({ name, spec: { name, nested: { lr: 0.1 } }, specHash: 'abc', outDir: `/tmp/${name}`, trialsPlanned: 3 });
const newTrial = (number: number) => ({ number, assignment: { 'optimizer.lr': 0.01 * (number + 1) }, config: { epochs: 4 }, params: [{ name: 'optimizer.lr', value: 0.01 * (number + 1), kind: 'loguniform' }] });

/** Registers the contract tests for the store `open()` makes (a fresh, empty one per test). */
export function studyStoreContract(label: string, open: () => StudyStore): void {
  const withStore = (fn: (store: StudyStore) => void) => () => {
    const store = open();
    try {
      fn(store);
    } finally {
      store.close();
    }
  };

  test(`${label}: studies are created once by name, claimed and finished`, withStore((store) => {
    assert.equal(store.getStudy('a'), null);
    assert.throws(() => store.requireStudy('a'), (e: Error) => e instanceof StorageLookupError && /no study "a" in .* \(it has none\)/.test(e.message));
    const a = store.createStudy(newStudy('a'));
    assert.deepEqual([a.name, a.state, a.trialsPlanned, a.coordinatorPid, a.spec], ['a', 'running', 3, null, { name: 'a', nested: { lr: 0.1 } }]);
    assert.throws(() => store.createStudy(newStudy('a')));
    const b = store.createStudy(newStudy('b'));
    assert.notEqual(a.id, b.id);
    assert.deepEqual(store.listStudies().map((s) => s.name), ['a', 'b']);
    assert.equal(store.requireStudy('b').id, b.id);
    assert.throws(() => store.requireStudy('c'), /no study "c" in .* \(it has: a, b\)/);
    store.claimStudy(a.id, 77, 'start-77');
    assert.deepEqual([store.getStudy('a')!.coordinatorPid, store.getStudy('a')!.coordinatorStart], [77, 'start-77']);
    store.finishStudy(a.id);
    assert.deepEqual([store.getStudy('a')!.state, store.getStudy('a')!.coordinatorPid], ['finished', null]);
    assert.equal(store.getStudy('b')!.state, 'running');
  }));

  test(`${label}: a trial's life: created pending, started, requeued, restarted, finished once; transitions and errors`, withStore((store) => {
    const study = store.createStudy(newStudy('life'));
    const other = store.createStudy(newStudy('other'));
    const t1 = store.createTrial(study.id, newTrial(1));
    const t0 = store.createTrial(study.id, newTrial(0));
    store.createTrial(other.id, newTrial(0));
    assert.throws(() => store.createTrial(study.id, newTrial(1)));
    assert.deepEqual(store.trials(study.id).map((t) => t.number), [0, 1]);
    assert.deepEqual([t0.state, t0.attempt, t0.epochs, t0.handle, t0.params], ['pending', 0, 0, null, [{ name: 'optimizer.lr', value: 0.01, kind: 'loguniform' }]]);
    assert.equal(store.startTrial(t1.id, handle, allocation, 'started'), 1);
    let now = store.trial(t1.id);
    assert.deepEqual([now.state, now.attempt, now.handle, now.allocation], ['running', 1, handle, allocation]);
    const startedAt = now.startedAt;
    assert.ok(startedAt !== null);
    store.requeueTrial(t1.id, 'interrupted');
    assert.deepEqual([store.trial(t1.id).state, store.trial(t1.id).handle], ['pending', null]);
    assert.equal(store.startTrial(t1.id, handle, allocation, 'restarted'), 2);
    assert.equal(store.trial(t1.id).startedAt, startedAt, 'startedAt is the first start');
    assert.equal(store.finishTrial(t1.id, { state: 'failed', detail: 'the job failed', error: { kind: 'failed', message: 'exit code 1' } }), true);
    assert.equal(store.finishTrial(t1.id, { state: 'completed', detail: 'late' }), false, 'the first outcome wins');
    now = store.trial(t1.id);
    assert.deepEqual([now.state, now.handle], ['failed', null]);
    assert.ok(now.finishedAt !== null);
    assert.deepEqual(store.transitions(study.id).filter((x) => x.trialId === t1.id).map((x) => [x.from, x.to, x.detail]), [
      [null, 'pending', 'created'], ['pending', 'running', 'started (attempt 1)'], ['running', 'pending', 'interrupted'],
      ['pending', 'running', 'restarted (attempt 2)'], ['running', 'failed', 'the job failed'],
    ]);
    store.recordError(study.id, null, 'launcher', 'no slots');
    assert.deepEqual(store.errors(study.id).map((e) => [e.trialId, e.kind, e.message]), [[t1.id, 'failed', 'exit code 1'], [null, 'launcher', 'no slots']]);
    assert.deepEqual(store.errors(other.id), []);
    assert.equal(store.transitions(other.id).length, 1);
    assert.throws(() => store.trial(9999), /no trial with id 9999/);
  }));

  test(`${label}: epochs: a restarted attempt replaces and drops later ones, backfill never overwrites, NaN objective is null`, withStore((store) => {
    const study = store.createStudy(newStudy('epochs'));
    const t = store.createTrial(study.id, newTrial(0));
    const u = store.createTrial(study.id, newTrial(1));
    store.startTrial(t.id, handle, allocation, 'started');
    for (const epoch of [1, 2, 3]) store.recordEpoch(t.id, 1, epoch, 1, { loss: 1 / epoch, valAccuracy: 0.1 * epoch }, 0.1 * epoch);
    store.recordEpoch(u.id, 1, 1, 1, { loss: 2 }, 0.5);
    assert.deepEqual([store.trial(t.id).epochs, store.trial(t.id).objective, store.trial(t.id).epochBase], [3, 0.30000000000000004, 1]);
    store.recordEpoch(t.id, 2, 2, 1, { loss: 0.4 }, 0.25);
    assert.deepEqual(store.metrics(study.id).map((m) => [m.trialId === t.id ? 0 : 1, m.epoch, m.attempt, m.metrics.loss]), [[0, 1, 1, 1], [0, 2, 2, 0.4], [1, 1, 1, 2]]);
    assert.equal(store.backfillEpochs(t.id, 2, [{ epoch: 2, metrics: { loss: 9 } }, { epoch: 3, metrics: { loss: 0.3 } }]), 1);
    assert.deepEqual(store.metrics(study.id).filter((m) => m.trialId === t.id).map((m) => m.metrics.loss), [1, 0.4, 0.3]);
    store.recordEpoch(t.id, 2, 4, 1, { loss: Number.NaN }, Number.NaN);
    assert.equal(store.trial(t.id).objective, null);
    assert.ok(Number.isNaN(store.metrics(study.id).find((m) => m.trialId === t.id && m.epoch === 4)!.metrics.loss));
  }));

  test(`${label}: rungs: first decision per rung kept, in order; a stop finishes the trial as stopped with its value`, withStore((store) => {
    const study = store.createStudy(newStudy('rungs'));
    const a = store.createTrial(study.id, newTrial(0));
    const b = store.createTrial(study.id, newTrial(1));
    store.startTrial(a.id, handle, allocation, 'started');
    store.startTrial(b.id, handle, allocation, 'started');
    const rung = { rung: 0, epoch: 1, seen: 1, keep: 1, rank: 1 };
    store.recordRung({ ...rung, trialId: b.id, value: 0.6, decision: 'continue' });
    store.recordRung({ ...rung, trialId: a.id, value: 0.4, seen: 2, rank: 2, decision: 'stop' });
    store.recordRung({ ...rung, trialId: b.id, value: 0.1, decision: 'stop' }); // the same rung again: ignored as a record
    assert.deepEqual(store.rungs(study.id).map((r) => [r.trialId, r.value, r.decision]), [[b.id, 0.6, 'continue'], [a.id, 0.4, 'stop']]);
    assert.deepEqual([store.trial(a.id).state, store.trial(a.id).objective], ['stopped', 0.4]);
    assert.match(store.transitions(study.id).at(-2)!.detail!, /rank 2 of 2 at rung 0 \(epoch 1\)/);
    store.recordRung({ trialId: a.id, rung: 1, epoch: 3, value: Number.NaN, seen: 1, keep: 1, rank: 1, decision: 'continue' });
    assert.ok(Number.isNaN(store.rungs(study.id).at(-1)!.value));
  }));

  test(`${label}: rows handed out are copies: changing one changes nothing stored`, withStore((store) => {
    const study = store.createStudy(newStudy('copies'));
    const t = store.createTrial(study.id, newTrial(0));
    t.assignment['optimizer.lr'] = 99;
    t.params[0]!.value = 99;
    store.trials(study.id)[0]!.config.epochs = 99;
    (store.getStudy('copies')!.spec as { nested: { lr: number } }).nested.lr = 99;
    assert.deepEqual([store.trial(t.id).assignment['optimizer.lr'], store.trial(t.id).params[0]!.value, store.trial(t.id).config.epochs], [0.01, 0.01, 4]);
    assert.equal((store.getStudy('copies')!.spec as { nested: { lr: number } }).nested.lr, 0.1);
  }));
}
