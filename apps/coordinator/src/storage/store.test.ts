import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runStudy } from '../study/run-study.js';
import { studyLayout } from '../study/layout.js';
import { simulatedSpec, tempDir } from '../study/test-helpers.js';
import { MemoryStudyStore } from './memory-store.js';
import { SqliteStudyStore } from './sqlite-store.js';
import { studyStoreContract } from './store-contract.test-util.js';

// The same tests against each implementation.
studyStoreContract('sqlite', () => new SqliteStudyStore(join(tempDir('store'), 'studies.sqlite')));
studyStoreContract('memory', () => new MemoryStudyStore());

test('runStudy on a MemoryStudyStore: a study aborted half-way resumes from the same store object, nothing run twice', async () => {
  const store = new MemoryStudyStore();
  const spec = simulatedSpec({
    name: 'in-memory', seed: 5, objective: { metric: 'valAccuracy' }, budget: { trials: 4, maxConcurrent: 2, maxEpochs: 3 },
    base: { sim: { epochMs: 30 } }, out: join(tempDir('mem-study'), 'study'),
    space: { 'optimizer.lr': { type: 'loguniform', low: 3e-3, high: 3e-2 } },
  });
  const abort = new AbortController();
  const first = await runStudy({ spec, storage: store, signal: abort.signal, onEvent: (e) => e.kind === 'finish' && abort.abort() });
  assert.equal(first.finished, false);
  const done = first.trials.filter((t) => t.state === 'completed');
  assert.ok(done.length >= 1);
  const second = await runStudy({ spec, storage: store });
  assert.equal(second.finished, true);
  assert.deepEqual(second.trials.map((t) => [t.number, t.state, t.epochs]), [0, 1, 2, 3].map((n) => [n, 'completed', 3]));
  for (const prior of done) assert.equal(second.trials.find((t) => t.id === prior.id)!.attempt, 1, `trial ${prior.number} ran twice`);
  assert.deepEqual(store.metrics(second.study.id).map((m) => m.epoch), [1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3]);
  // A store with no file has nowhere to put a study folder by default.
  await assert.rejects(runStudy({ spec: { ...spec, name: 'no-folder', out: undefined }, storage: new MemoryStudyStore() }), /study "no-folder": .* set "out" in the spec/);
});

// The race CI hit: a stopped job wrote its last checkpoint but its epoch line went unheard, so the resumed job has
// nothing left to run and ends at once. The record must still say how far the trial got, from summary.json.
test('a resumed trial whose checkpoint is newer than the record completes with every epoch and the last epoch\'s objective', async () => {
  const store = new MemoryStudyStore();
  const spec = simulatedSpec({
    name: 'unheard', seed: 3, objective: { metric: 'valAccuracy' }, budget: { trials: 1, maxConcurrent: 1, maxEpochs: 3 },
    base: { sim: { epochMs: 400 } }, out: join(tempDir('unheard'), 'study'),
    space: { 'optimizer.lr': { type: 'loguniform', low: 3e-3, high: 3e-2 } },
  });
  const abort = new AbortController();
  const first = await runStudy({ spec, storage: store, signal: abort.signal, onEvent: (e) => e.kind === 'epoch' && store.trials(store.getStudy('unheard')!.id)[0]!.epochs === 2 && abort.abort() });
  assert.equal(first.finished, false);
  assert.equal(first.trials[0]!.epochs, 2);
  const trialDir = studyLayout.trialDir(first.study.outDir, 0);
  writeFileSync(join(studyLayout.checkpoints(trialDir), 'epoch-3.json'), JSON.stringify({ epoch: 3 }));
  const second = await runStudy({ spec, storage: store });
  assert.equal(second.finished, true);
  const [trial] = second.trials;
  assert.deepEqual([trial!.state, trial!.epochs], ['completed', 3]);
  const summary = trial!.summary as { history: { valAccuracy: number }[] };
  assert.equal(trial!.objective, summary.history[2]!.valAccuracy);
  assert.deepEqual(store.metrics(second.study.id).map((m) => m.epoch), [1, 2, 3]);
});
