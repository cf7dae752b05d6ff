import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { isSameProcess } from '@tensorfleet/launch';
import { SqliteStudyStore } from '../storage/sqlite-store.js';
import type { TrialRow } from '../storage/types.js';
import { runStudy, StudyConflictError } from './run-study.js';
import { logLines, simulatedSpec, tempDir } from './test-helpers.js';
import { studyLayout } from './layout.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('SIGKILL the coordinator mid-study, start it again: finished trials kept, interrupted ones resumed, budget spent exactly', async () => {
  const dir = tempDir('resume');
  const storage = join(dir, 'studies.sqlite');
  const raw = {
    name: 'resumable', seed: 9, objective: { metric: 'valAccuracy' },
    budget: { trials: 5, maxConcurrent: 2, maxEpochs: 5 },
    base: { sim: { epochMs: 250 } }, // epochs long enough that a loaded machine's polling still hits the kill window
    space: { 'optimizer.lr': { type: 'loguniform', low: 3e-3, high: 3e-2 } },
  };
  const specPath = join(dir, 'spec.json');
  writeFileSync(specPath, JSON.stringify(raw));
  const indexUrl = new URL('../index.js', import.meta.url).href;
  const helpersUrl = new URL('./test-helpers.js', import.meta.url).href;
  const script = `
    import { runStudy } from ${JSON.stringify(indexUrl)};
    import { simulatedSpec } from ${JSON.stringify(helpersUrl)};
    import { readFileSync } from 'node:fs';
    await runStudy({ spec: simulatedSpec(JSON.parse(readFileSync(${JSON.stringify(specPath)}, 'utf8'))), storage: ${JSON.stringify(storage)} });`;
  const coordinator = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'ignore', 'pipe'] });
  let coordinatorStderr = '';
  coordinator.stderr!.on('data', (d: Buffer) => (coordinatorStderr += d.toString()));
  // Listen from the start: if the study ends before the kill point, a late once('exit') would wait forever.
  const coordinatorExited = new Promise((r) => coordinator.once('exit', r));

  // Wait until one trial has finished and another is mid-way, then kill the coordinator without warning. The wait is
  // bounded by time, not by polls: on a loaded CI machine a trial's node process alone took seconds to start, and 200
  // polls (~11 s) once ended before any trial had finished.
  let before: TrialRow[] = [];
  let studyEnded = false;
  void coordinatorExited.then(() => (studyEnded = true));
  const waitStart = Date.now();
  while (Date.now() - waitStart < 120_000 && !studyEnded) {
    await sleep(50);
    try {
      // Read-only, as `tensorfleet study` reads a live study: a writable open runs the schema and sets user_version,
      // writes that contend with the coordinator's own.
      const store = new SqliteStudyStore(storage, { readonly: true });
      const study = store.getStudy('resumable');
      before = study ? store.trials(study.id) : [];
      store.close();
    } catch {
      continue; // the file is being created
    }
    if (before.some((t) => t.state === 'completed') && before.some((t) => t.state === 'running' && t.epochs >= 1 && t.epochs < 4)) break;
  }
  coordinator.kill('SIGKILL');
  await coordinatorExited;
  const finishedBefore = before.filter((t) => t.state === 'completed');
  const interrupted = before.filter((t) => t.state === 'running');
  assert.ok(finishedBefore.length >= 1 && interrupted.length >= 1, `kill point not reached after ${Date.now() - waitStart} ms${studyEnded ? ` (the coordinator exited first: ${coordinatorStderr.trim() || 'no stderr'})` : ''}: ${before.map((t) => `${t.state}@${t.epochs}`)}`);
  // No trial outlives its coordinator (the kernel kills it: parent-death signal), so none trains on unrecorded.
  await sleep(300);
  const orphans = interrupted.map((t) => t.handle!).filter((h) => isSameProcess(h.pid as number, h.start as string));
  assert.deepEqual(orphans, []);

  // Another spec under the same name is refused, and the study is untouched.
  await assert.rejects(runStudy({ spec: simulatedSpec({ ...raw, budget: { ...raw.budget, trials: 6 } }), storage }), StudyConflictError);

  const result = await runStudy({ spec: simulatedSpec(raw), storage });
  assert.equal(result.finished, true);
  assert.deepEqual(result.trials.map((t) => t.number), [0, 1, 2, 3, 4]);
  assert.ok(result.trials.every((t) => t.state === 'completed' && t.epochs === 5), JSON.stringify(result.trials.map((t) => [t.number, t.state, t.epochs, t.attempt])));
  for (const prior of finishedBefore) {
    const now = result.trials.find((t) => t.id === prior.id)!;
    assert.deepEqual([now.attempt, now.finishedAt, now.objective], [1, prior.finishedAt, prior.objective], `trial ${prior.number} was re-run`);
  }
  const store = new SqliteStudyStore(storage);
  const transitions = store.transitions(result.study.id);
  const metrics = store.metrics(result.study.id);
  store.close();
  for (const prior of interrupted) {
    const now = result.trials.find((t) => t.id === prior.id)!;
    assert.equal(now.attempt, prior.attempt + 1);
    const mine = transitions.filter((x) => x.trialId === prior.id).map((x) => x.detail ?? '');
    assert.ok(mine.some((d) => d.startsWith('interrupted')), mine.join('; '));
    const starts = logLines(studyLayout.trialLog(studyLayout.trialDir(result.study.outDir, prior.number))).filter((l) => l.msg === 'start');
    if (prior.epochs >= 1) {
      assert.equal(starts.length, 2);
      // The simulated trial checkpoints every epoch, so a trial interrupted after one resumes instead of starting over.
      assert.ok(mine.some((d) => d.startsWith('resumed from checkpoint')), mine.join('; '));
      assert.ok((starts[1]!.startEpoch as number) > 1);
    } else {
      // Read at epoch 0 just before the kill: it may have written its first checkpoint in between, so either is right;
      // and its first process may have been killed before it printed its start line (seen under load).
      assert.ok(starts.length === 1 || starts.length === 2, `${starts.length} start lines`);
      assert.ok(mine.some((d) => d.startsWith('restarted') || d.startsWith('resumed from checkpoint')), mine.join('; '));
    }
  }
  // Every trial has each epoch exactly once, and nobody runs more than the budget.
  for (const t of result.trials) assert.deepEqual(metrics.filter((m) => m.trialId === t.id).map((m) => m.epoch), [1, 2, 3, 4, 5]);
  assert.equal(transitions.filter((x) => x.to === 'pending' && x.detail === 'created').length, 5);
});
