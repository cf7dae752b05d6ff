// HPO trials on Slurm against a real time limit: every trial's job asks `--time=1` (one minute) and
// `--signal=B:USR1@20`, and trains longer than that. slurmctld (which checks time limits every 30 s) sends USR1 to each
// batch shell 10-40 s after its start; the shell asks its trial to checkpoint and stop and requeues the job; the
// requeued job resumes from that checkpoint. (slurm-hpo-requeue.test.js sends the same USR1 by hand with scancel;
// here it comes from the limit.) Once a job is back in the queue the test gives it a ten-minute limit
// (`scontrol update TimeLimit=10`), so its second run finishes instead of being warned again every minute. The study
// completes with nothing lost or run twice: every epoch once, one submission per trial, no run killed by TIMEOUT.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { test } from 'node:test';
import { slurmJobName } from '@tensorfleet/coordinator';
import { describe } from './helpers/cli.js';
import {
  assertResumedRuns, checkpointLines, currentJobs, exitWithin, jobCompRecords, jobIdsByName, jobRuns, readStudy, runHpo, startLocalSlurm,
  studyFolder, trialLog, waitFor, writeStudySpec,
} from './helpers/slurm-study.js';

// Two trials at once, one worker each on 80% of the digits. The training must outlast the warning, 10-40 s after a
// job's start, on the fastest machine CI runs on. On a quiet 2-core machine this test took 70 s with 14 epochs (warning,
// requeue and second run included) and 84 s with 20; the train variant's 22 epochs once finished before the warning
// there. A loaded machine runs ~4.3 s an epoch, which the limits below allow for. (A still faster machine could finish
// a trial before the warning: the test then fails saying so; raise the epochs.) On 2026-12-04 a faster VM with the C
// step loops finished 20 epochs before the warning: 40 now.
const epochs = 40;

test('the time limit\'s USR1 on running trials: each checkpoints, requeues itself and resumes there; the study completes', { timeout: 640_000 }, async () => {
  const dir = studyFolder('slurm-usr1-hpo');
  const slurm = await startLocalSlurm();
  let cli;
  try {
    const spec = writeStudySpec(dir, {
      name: 'usr1', trials: 2, maxEpochs: epochs, gpus: 4, batchSize: 64, split: 0.8,
      extra: { launcher: { slurm: { partition: 'debug', time: '1', signalSeconds: 20, pollSeconds: 0.5 } } },
    });
    cli = runHpo(spec, slurm);
    let exited = false;
    void cli.exited.then(() => (exited = true));
    const extended = new Set();
    await waitFor('both trials\' jobs requeued by their time-limit warning', 160_000, () => {
      if (exited) throw new Error('the study ended before its trials were requeued (done in one allocation? raise the epochs)');
      for (const job of currentJobs(slurm)) {
        if (job.restarts < 1 || extended.has(job.jobId)) continue;
        slurm.slurm('scontrol', ['update', `JobId=${job.jobId}`, 'TimeLimit=10']);
        extended.add(job.jobId);
      }
      return extended.size === 2;
    });

    const result = await exitWithin(cli, 440_000);
    assert.equal(result.code, 0, describe(result));
    const { trials, metrics } = readStudy(spec);
    assert.deepEqual(trials.map((t) => [t.number, t.state, t.epochs, t.attempt]), [[0, 'completed', epochs, 1], [1, 'completed', epochs, 1]]);
    const everyEpoch = Array.from({ length: epochs }, (_, i) => i + 1);
    for (const t of trials) assert.deepEqual(metrics.filter((m) => m.trialId === t.id).map((m) => m.epoch), everyEpoch, `trial ${t.number}'s metrics`);
    const ids = jobIdsByName(slurm);
    for (const t of trials) {
      const jobIds = [...(ids.get(slurmJobName({ study: spec.spec.name, trial: t.number })) ?? [])];
      assert.equal(jobIds.length, 1, `trial ${t.number} submitted ${jobIds.length} times`);
      // Two runs of the job: the first ended by its own requeue (jobcomp records the state it went to: PENDING), not
      // by the time limit (TIMEOUT); the second completed.
      assert.deepEqual(jobCompRecords(slurm).filter((r) => r.jobId === jobIds[0]).map((r) => r.state), ['PENDING', 'COMPLETED'], `trial ${t.number}'s job`);
      assert.ok(extended.has(jobIds[0]), `trial ${t.number}'s job was not the one requeued`);

      const runs = jobRuns(trialLog(spec, t.number));
      assertResumedRuns(assert, runs, { trial: t.number, epochs });
      // The trial stopped inside an epoch on its shell's request and checkpointed exactly the step it stopped at.
      const stopped = runs[0].lines.find((l) => /^interrupted at step/.test(l.msg ?? ''));
      assert.ok(stopped, `trial ${t.number}: the first run did not stop on the warning`);
      assert.equal(checkpointLines(runs[0].lines).at(-1).step, stopped.step, `trial ${t.number}: no checkpoint at the stop`);
      assert.ok(runs[0].epochs.length < epochs, `trial ${t.number}: the first run trained every epoch`);
      assert.ok(result.logs.some((l) => l.trial === t.number && l.jobState === 'REQUEUED'), `trial ${t.number}: the coordinator did not log the requeue`);
    }
  } finally {
    cli?.child.kill('SIGKILL');
    await slurm.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
