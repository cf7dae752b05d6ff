// `tensorfleet hpo run` with `launcher: {slurm: ...}` on a real local Slurm (infra/slurm: 3 slurmd virtual nodes x 4
// fake GPUs as GRES): a 12-trial ASHA study of real `tensorfleet train` runs, each trial one batch job asking for 2
// GPUs, all 12 submitted at once. Slurm, not the coordinator, keeps them to the GPUs there are: never more than 6
// run at once, each sees only its own CUDA_VISIBLE_DEVICES, trials ASHA prunes are scancel'ed, and the report is the
// one a local study writes. Needs root and Debian's slurm packages (.ci/run installs them): it fails without them.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { slurmJobName } from '@tensorfleet/coordinator';
import { describe } from './helpers/cli.js';
import { exitWithin, jobCompRecords, jobIdsByName, jobRuns, readStudy, runHpo, startLocalSlurm, studyFolder, trialLog, writeStudySpec } from './helpers/slurm-study.js';

test('12-trial ASHA study on Slurm: GRES caps concurrency at the GPUs, each trial sees its own GPUs, pruned trials are scancel\'ed', { timeout: 300_000 }, async () => {
  const dir = studyFolder('slurm-hpo');
  const slurm = await startLocalSlurm();
  let cli;
  try {
    const spec = writeStudySpec(dir, {
      name: 'asha-slurm', trials: 12, maxEpochs: 2, gpus: 2, split: 0.1,
      scheduler: { name: 'asha', reductionFactor: 3, minEpochs: 1 },
    });
    cli = runHpo(spec, slurm);
    const result = await exitWithin(cli, 260_000); // 150-200 s at load 25 on 2 cores
    assert.equal(result.code, 0, describe(result));

    const { trials, metrics } = readStudy(spec);
    assert.equal(trials.length, 12);
    assert.ok(trials.every((t) => t.state === 'completed' || t.state === 'stopped'), JSON.stringify(trials.map((t) => [t.number, t.state])));
    const stopped = trials.filter((t) => t.state === 'stopped');
    assert.ok(stopped.length >= 1, 'ASHA stopped no trial');
    assert.ok(trials.some((t) => t.state === 'completed' && t.epochs === 2));

    // One submission per trial.
    const ids = jobIdsByName(slurm);
    const jobOf = new Map(trials.map((t) => {
      const mine = [...(ids.get(slurmJobName({ study: spec.spec.name, trial: t.number })) ?? [])];
      assert.equal(mine.length, 1, `trial ${t.number} was submitted as jobs ${mine}`);
      return [t.number, mine[0]];
    }));
    // Pruned trials were cancelled (scancel), the others completed.
    const ends = new Map(jobCompRecords(slurm).map((r) => [r.jobId, r.state]));
    for (const t of trials) {
      const state = ends.get(jobOf.get(t.number));
      if (t.state === 'stopped') assert.match(state ?? '', /^CANCELLED/, `stopped trial ${t.number}'s job ended ${state}`);
      else assert.equal(state, 'COMPLETED', `trial ${t.number}`);
    }

    // Each job ran once, on one node, and saw exactly its 2 GPUs: the CLI's and the worker's CUDA_VISIBLE_DEVICES are
    // the job's GRES GPUs. Jobs on the same node at the same time hold disjoint GPUs, and no more than
    // 12 GPUs / 2 = 6 jobs ran at once though 12 were queued.
    const runs = trials.map((t) => {
      const r = jobRuns(trialLog(spec, t.number));
      assert.equal(r.length, 1, `trial ${t.number} ran ${r.length} times`);
      const run = r[0];
      assert.ok(run.cli && run.worker, `trial ${t.number}: no backend lines`);
      assert.equal(run.start.slurmJobId, jobOf.get(t.number));
      assert.equal(run.cli.slurmJobId, jobOf.get(t.number));
      assert.equal(run.cli.cudaVisibleDevices.split(',').length, 2, `trial ${t.number}: ${run.cli.cudaVisibleDevices}`);
      assert.equal(run.cli.cudaVisibleDevices, run.cli.slurmJobGpus);
      assert.equal(run.worker.cudaVisibleDevices, run.cli.cudaVisibleDevices);
      return { trial: t.number, node: run.cli.slurmNode, gpus: run.cli.cudaVisibleDevices.split(','), from: run.from, to: run.to };
    });
    let most = 0;
    for (const a of runs) {
      const overlapping = runs.filter((b) => b.from <= a.from && a.from <= b.to);
      most = Math.max(most, overlapping.length);
      for (const b of overlapping) {
        if (b === a || b.node !== a.node) continue;
        assert.deepEqual(a.gpus.filter((g) => b.gpus.includes(g)), [], `trials ${a.trial} and ${b.trial} shared GPUs on ${a.node}`);
      }
    }
    assert.ok(most <= 6, `${most} trials ran at once on 12 GPUs`);
    assert.ok(most >= 2, `trials never ran side by side (${most})`);
    assert.ok(new Set(runs.map((r) => r.node)).size >= 2, 'every trial ran on one node');

    // Every recorded epoch once per trial; stopped trials stopped at the rung.
    for (const t of trials) {
      const epochs = metrics.filter((m) => m.trialId === t.id).map((m) => m.epoch);
      assert.deepEqual(epochs, Array.from({ length: t.epochs }, (_, i) => i + 1), `trial ${t.number}`);
    }
    for (const t of stopped) assert.equal(t.epochs, 1, `stopped trial ${t.number} ran ${t.epochs} epochs`);

    // The report of a local study: markdown table of all trials, CSV, HTML, best config.
    const report = join(spec.studyDir, 'report');
    for (const f of ['report.md', 'trials.csv', 'report.html', 'best-config.yaml']) assert.ok(existsSync(join(report, f)), f);
    const rows = readFileSync(join(report, 'trials.csv'), 'utf8').trim().split('\n');
    assert.equal(rows.length, 13);
  } finally {
    cli?.child.kill('SIGKILL');
    await slurm.stop();
  }
});
