import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { writeReport } from '../report/write-report.js';
import { SqliteStudyStore } from '../storage/sqlite-store.js';
import { studyLayout } from './layout.js';
import { runStudy, type StudyEvent } from './run-study.js';
import { logLines, simulatedSpec, tempDir } from './test-helpers.js';

test('FIFO grid: crashed trials are recorded with their epoch, a failing one with its error, and the study goes on; report files', async () => {
  const dir = tempDir('fifo');
  const storage = join(dir, 'studies.sqlite');
  const spec = simulatedSpec({
    name: 'crashes', searcher: 'grid', objective: { metric: 'valAccuracy' },
    budget: { maxConcurrent: 2, maxEpochs: 4 },
    base: { sim: { epochMs: 20 } },
    space: {
      optimizer: [
        { name: 'sgd', lr: 0.01 }, { name: 'sgd', lr: 0.2 }, { name: 'sgd', lr: 0.003 }, { name: 'sgd', lr: 3 }, { name: 'lamb', lr: 0.01 },
      ],
    },
  });
  const result = await runStudy({ spec, storage });
  assert.equal(result.finished, true);
  const byLr = (name: string, lr: number) => result.trials.find((t) => (t.assignment.optimizer as { name: string; lr: number }).lr === lr && (t.assignment.optimizer as { name: string }).name === name)!;
  assert.deepEqual([byLr('sgd', 0.01).state, byLr('sgd', 0.01).epochs], ['completed', 4]);
  assert.deepEqual([byLr('sgd', 0.003).state, byLr('sgd', 0.003).epochs], ['completed', 4]);
  assert.deepEqual([byLr('sgd', 0.2).state, byLr('sgd', 0.2).crashedEpoch], ['crashed', 3]); // the curve diverges at epoch 3
  assert.deepEqual([byLr('sgd', 3).state, byLr('sgd', 3).crashedEpoch], ['crashed', 1]);
  assert.equal(byLr('lamb', 0.01).state, 'failed');
  const store = new SqliteStudyStore(storage);
  const errors = store.errors(result.study.id);
  assert.ok(errors.some((e) => e.kind === 'failed' && /unknown optimizer lamb/.test(e.message) && e.trialId === byLr('lamb', 0.01).id));
  assert.ok(errors.some((e) => e.kind === 'diverged' && /epoch 3: loss is NaN/.test(e.message)));
  const crashedMetrics = store.metrics(result.study.id).filter((m) => m.trialId === byLr('sgd', 0.2).id);
  assert.deepEqual(crashedMetrics.map((m) => m.epoch), [1, 2, 3]);
  assert.ok(Number.isNaN(crashedMetrics[2]!.metrics.loss) && Number.isFinite(crashedMetrics[1]!.metrics.loss!));
  const summary = byLr('sgd', 0.01).summary as { backend: string; epochs: number };
  assert.deepEqual([summary.backend, summary.epochs], ['simulated', 4]);
  store.close();

  // Every trial log line carries its trial; the coordinator's lines carry role and study.
  for (const t of result.trials) {
    const lines = logLines(studyLayout.trialLog(studyLayout.trialDir(result.study.outDir, t.number)));
    assert.ok(lines.length > 0 && lines.every((l) => l.trial === t.number && l.study === 'crashes'));
  }
  const coordinator = logLines(studyLayout.coordinatorLog(result.study.outDir));
  assert.ok(coordinator.every((l) => l.role === 'coordinator' && l.study === 'crashes'));
  assert.ok(coordinator.some((l) => l.msg === 'trial crashed@3 epoch' && l.trial === byLr('sgd', 0.2).number));

  const files = await writeReport({ storage, study: 'crashes', outDir: join(dir, 'report') });
  const md = readFileSync(files.markdown, 'utf8');
  const rows = md.split('\n').filter((l) => /^\| \d+ \|/.test(l));
  assert.equal(rows.length, 5);
  assert.match(rows[0]!, /\| sgd \| 0\.01 \| 4 \| .* \| completed \|/); // best first
  assert.match(rows[1]!, /\| sgd \| 3\.0e-3 \|/);
  assert.ok(rows.some((r) => r.includes('crashed@3 epoch')) && rows.some((r) => r.includes('crashed@1 epoch')));
  assert.match(rows[4]!, /failed/);
  const csv = readFileSync(files.csv, 'utf8').trim().split('\n');
  assert.equal(csv.length, 6);
  assert.equal(csv[0], 'rank,trial,optimizer.name,optimizer.lr,epochs,final_lr,top1,top5,objective,state,result');
  const html = readFileSync(files.html, 'utf8');
  // best so far, parallel coordinates, learning curves, valAccuracy vs lr (the 2 scored trials are too few for
  // importance, and only sgd has a result, so the optimizer name did not vary); FIFO: no rung chart.
  assert.equal(html.match(/<svg /g)?.length, 4);
  const best = parseYaml(readFileSync(files.bestConfig!, 'utf8')) as { optimizer: { lr: number }; epochs: number };
  assert.deepEqual([best.optimizer.lr, best.epochs], [0.01, 4]);
});

test('ASHA with GPUs: slots never oversubscribed, concurrent trials see disjoint CUDA_VISIBLE_DEVICES, poor trials stop at rungs', async () => {
  const dir = tempDir('asha');
  const storage = join(dir, 'studies.sqlite');
  const spec = simulatedSpec({
    name: 'asha-gpus', seed: 4, objective: { metric: 'valAccuracy' },
    budget: { trials: 8, maxConcurrent: 3, maxEpochs: 9 },
    resources: { workers: 2, gpusPerWorker: 1 },
    scheduler: { name: 'asha', reductionFactor: 3, minEpochs: 1 },
    inventory: { nodes: [{ name: 'gpu-box', slots: 4, gpus: 4 }] },
    base: { sim: { epochMs: 25 } },
    space: { 'optimizer.lr': { type: 'loguniform', low: 1e-4, high: 5e-2 }, l2: { type: 'loguniform', low: 5e-5, high: 5e-3 } },
  });
  const events: StudyEvent[] = [];
  const running = new Set<number>();
  const overlaps: [number, number][] = [];
  const result = await runStudy({
    spec, storage,
    onEvent: (e) => {
      events.push(e);
      if (e.kind === 'start') {
        for (const other of running) overlaps.push([other, e.trial]);
        running.add(e.trial);
      } else if (e.kind === 'finish') running.delete(e.trial);
    },
  });
  assert.equal(result.trials.length, 8);
  assert.ok(events.every((e) => e.usedSlots <= 4), 'more than 4 slots in use');
  let concurrent = 0;
  let most = 0;
  for (const e of events) {
    concurrent += e.kind === 'start' ? 1 : e.kind === 'finish' ? -1 : 0;
    most = Math.max(most, concurrent);
  }
  assert.equal(most, 2, 'maxConcurrent is 3 but 4 slots hold only 2 two-worker trials');
  assert.ok(overlaps.length > 0, 'no two trials ever ran at once: the test did not exercise sharing');
  const devices = new Map<number, { all: string; perWorker: string }>();
  for (const t of result.trials) {
    const start = logLines(studyLayout.trialLog(studyLayout.trialDir(result.study.outDir, t.number))).find((l) => l.msg === 'start')!;
    devices.set(t.number, { all: String(start.cudaVisibleDevices), perWorker: String(start.workerGpus) });
    const ranks = String(start.workerGpus).split(';');
    assert.equal(ranks.length, 2);
    assert.equal(new Set(ranks).size, 2, `workers of trial ${t.number} share a GPU: ${start.workerGpus}`);
    assert.equal(String(start.cudaVisibleDevices).split(',').length, 2);
  }
  for (const [a, b] of overlaps) {
    const ga = devices.get(a)!.all.split(','), gb = devices.get(b)!.all.split(',');
    assert.ok(ga.every((g) => !gb.includes(g)), `trials ${a} and ${b} ran at once on GPUs ${ga} and ${gb}`);
  }
  const store = new SqliteStudyStore(storage);
  const rungs = store.rungs(result.study.id);
  store.close();
  const stopped = result.trials.filter((t) => t.state === 'stopped');
  assert.ok(stopped.length > 0, 'ASHA stopped nobody');
  for (const t of stopped) {
    assert.ok([1, 3].includes(t.epochs), `trial ${t.number} stopped at epoch ${t.epochs}, not a rung`);
    assert.ok(rungs.some((r) => r.trialId === t.id && r.decision === 'stop' && r.epoch === t.epochs));
  }
  assert.ok(result.trials.some((t) => t.state === 'completed' && t.epochs === 9));
  assert.ok(result.trials.reduce((s, t) => s + t.epochs, 0) < 8 * 9);
  assert.equal(rungs.filter((r) => r.rung === 0).length, result.trials.filter((t) => t.epochs >= 1).length);
  const files = await writeReport({ storage, study: 'asha-gpus' });
  assert.ok(existsSync(files.html));
  // best so far, parallel coordinates, importance, curves, rungs, valAccuracy vs lr and vs l2
  assert.equal(readFileSync(files.html, 'utf8').match(/<svg /g)?.length, 7);
});
