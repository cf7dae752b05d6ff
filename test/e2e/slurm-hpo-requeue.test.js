// Preemption on Slurm, two ways, in one study: `scontrol requeue` of a running trial (what preemption with
// PreemptMode=REQUEUE does: SIGTERM to the job, then back to the queue) and the time-limit warning of
// `--signal=B:USR1@N` (sent here with `scancel --signal=USR1 --batch`, as slurmctld sends it N s before the limit: the
// batch script asks train to checkpoint and stop, then requeues its own job). Both trials checkpoint at the step they
// were stopped at and their next run resumes from exactly that step: no step lost or trained twice, every epoch
// recorded once, one submission per trial. Real local Slurm (infra/slurm), real `tensorfleet hpo run`.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { slurmJobName } from '@tensorfleet/coordinator';
import { describe } from './helpers/cli.js';
import {
  assertResumedRuns, checkpointLines, exitWithin, jobCompRecords, jobIdsByName, jobRuns, readStudy, runHpo, startLocalSlurm,
  studyFolder, trialLog, waitFor, writeStudySpec,
} from './helpers/slurm-study.js';

test('scontrol requeue and the USR1 time-limit warning: each trial checkpoints, is requeued and resumes from that step', { timeout: 300_000 }, async () => {
  const dir = studyFolder('slurm-requeue');
  const slurm = await startLocalSlurm();
  let cli;
  try {
    const spec = writeStudySpec(dir, { name: 'requeue', trials: 2, maxEpochs: 3, gpus: 4, batchSize: 32 });
    cli = runHpo(spec, slurm);
    let exitedEarly = false;
    void cli.exited.then(() => (exitedEarly = true));
    const firstCheckpoint = (trial) => () => {
      if (exitedEarly) throw new Error('the study ended before its trials were preempted');
      const runs = jobRuns(trialLog(spec, trial));
      return runs.length === 1 && checkpointLines(runs[0].lines).length >= 1 ? runs[0].start.slurmJobId : null;
    };
    const requeued = await waitFor('trial 0 checkpointing its first epoch', 150_000, firstCheckpoint(0));
    slurm.slurm('scontrol', ['requeue', requeued]);
    const warned = await waitFor('trial 1 checkpointing its first epoch', 150_000, firstCheckpoint(1));
    slurm.slurm('scancel', ['--signal=USR1', '--batch', warned]);

    const result = await exitWithin(cli, 260_000);
    assert.equal(result.code, 0, describe(result));
    const { trials, metrics } = readStudy(spec);
    assert.deepEqual(trials.map((t) => [t.number, t.state, t.epochs, t.attempt]), [[0, 'completed', 3, 1], [1, 'completed', 3, 1]]);
    for (const t of trials) assert.deepEqual(metrics.filter((m) => m.trialId === t.id).map((m) => m.epoch), [1, 2, 3], `trial ${t.number}`);
    const ids = jobIdsByName(slurm);
    for (const t of trials) assert.equal(ids.get(slurmJobName({ study: spec.spec.name, trial: t.number }))?.size, 1, `trial ${t.number} submitted more than once`);

    for (const [trial, jobId] of [[0, requeued], [1, warned]]) {
      const runs = jobRuns(trialLog(spec, trial));
      assertResumedRuns(assert, runs, { trial, epochs: 3 });
      // Stopped by SIGTERM, train wrote a checkpoint at the step it stopped at, inside an epoch.
      const stopped = runs[0].lines.find((l) => /^interrupted at step/.test(l.msg ?? ''));
      assert.ok(stopped, `trial ${trial}: the first run did not stop on SIGTERM`);
      assert.equal(checkpointLines(runs[0].lines).at(-1).step, stopped.step, `trial ${trial}: no checkpoint at the stop`);
      const ends = jobCompRecords(slurm).filter((r) => r.jobId === jobId).map((r) => r.state);
      assert.equal(ends.at(-1), 'COMPLETED', `trial ${trial}: ${ends}`);
      assert.equal(ends.length, 2, `trial ${trial}'s job ran ${ends.length} times: ${ends}`);
      assert.ok(result.logs.some((l) => l.trial === trial && l.jobState === 'REQUEUED'), `trial ${trial}: the coordinator did not log the requeue`);
    }
  } finally {
    cli?.child.kill('SIGKILL');
    await slurm.stop();
  }
});
