// The coordinator is SIGKILLed mid-study while its Slurm jobs run on (some queued, some running): `tensorfleet hpo run`
// again with the same spec and storage adopts them by their job ids instead of submitting them again. Every trial is
// submitted exactly once (counted by job name in the jobcomp file and slurmctld), runs once, and every epoch is
// recorded once, including those trained while no coordinator was there. Real local Slurm, real CLI.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { slurmJobName } from '@tensorfleet/coordinator';
import { describe } from './helpers/cli.js';
import { currentJobs, exitWithin, jobIdsByName, jobRuns, readStudy, runHpo, sleep, startLocalSlurm, studyFolder, waitFor, writeStudySpec, trialLog } from './helpers/slurm-study.js';

test('SIGKILL the coordinator: a rerun adopts the queued and running Slurm jobs, nothing is submitted twice', { timeout: 300_000 }, async () => {
  const dir = studyFolder('slurm-adopt');
  const slurm = await startLocalSlurm();
  let first;
  let second;
  try {
    // 5 trials of 4 GPUs, all submitted at once: 3 run (one per node), 2 wait in Slurm's queue.
    const spec = writeStudySpec(dir, { name: 'adopt', trials: 5, maxEpochs: 3, gpus: 4, batchSize: 64 });
    first = runHpo(spec, slurm);
    let exitedEarly = false;
    void first.exited.then(() => (exitedEarly = true));
    // Kill it once a trial has an epoch on record while two jobs still wait for GPUs.
    await waitFor('an epoch recorded with jobs pending', 150_000, () => {
      if (exitedEarly) throw new Error('the study ended before the coordinator was killed');
      const jobs = currentJobs(slurm).filter((j) => j.name.startsWith(`tf-${spec.spec.name}-`));
      return jobs.filter((j) => j.state === 'PENDING').length >= 1 && jobs.some((j) => j.state === 'RUNNING') && readStudy(spec).metrics.length >= 1;
    });
    first.child.kill('SIGKILL');
    await first.exited;
    const before = readStudy(spec);
    const submitted = currentJobs(slurm).filter((j) => j.name.startsWith(`tf-${spec.spec.name}-`));
    assert.equal(submitted.length, 5, 'all five trials were not submitted before the kill');
    assert.ok(before.trials.every((t) => t.state === 'running'), JSON.stringify(before.trials.map((t) => t.state)));
    // The jobs go on without it.
    await sleep(3000);
    assert.ok(currentJobs(slurm).some((j) => j.name.startsWith(`tf-${spec.spec.name}-`) && j.state === 'RUNNING'), 'the jobs died with their coordinator');

    second = runHpo(spec, slurm);
    const result = await exitWithin(second, 260_000);
    assert.equal(result.code, 0, describe(result));
    const adopted = result.logs.filter((l) => l.msg?.startsWith('trial adopted'));
    assert.equal(adopted.length, 5, `adopted ${adopted.map((l) => l.trial)}`);
    assert.ok(!result.logs.some((l) => l.jobState === 'SUBMITTED'), 'the rerun submitted a job');

    const { trials, metrics } = readStudy(spec);
    assert.deepEqual(trials.map((t) => [t.number, t.state, t.epochs, t.attempt]), [0, 1, 2, 3, 4].map((n) => [n, 'completed', 3, 1]));
    for (const t of trials) assert.deepEqual(metrics.filter((m) => m.trialId === t.id).map((m) => m.epoch), [1, 2, 3], `trial ${t.number}`);
    const ids = jobIdsByName(slurm);
    for (const t of trials) {
      assert.equal(ids.get(slurmJobName({ study: spec.spec.name, trial: t.number }))?.size, 1, `trial ${t.number} submitted more than once`);
      const runs = jobRuns(trialLog(spec, t.number));
      assert.equal(runs.length, 1, `trial ${t.number} ran ${runs.length} times`);
      // trial.log holds each line once: the adopting coordinator read the output on from where the dead one stopped.
      assert.deepEqual(runs[0].epochs, [0, 1, 2], `trial ${t.number}'s log`);
    }
  } finally {
    first?.child.kill('SIGKILL');
    second?.child.kill('SIGKILL');
    await slurm.stop();
  }
});
