import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { runStudy } from '../study/run-study.js';
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
