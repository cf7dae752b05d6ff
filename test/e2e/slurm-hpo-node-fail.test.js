// A Slurm node dies mid-study (its slurmd, slurmstepd and the trial's processes SIGKILLed, as a power cut would): Slurm
// marks it DOWN and requeues the trial's job (--requeue), the job runs again on another node and resumes from the
// trial's last checkpoint, and the study completes with every epoch of every trial recorded once, no trial submitted
// twice and no step trained twice. Real local Slurm (infra/slurm), real `tensorfleet hpo run`; fails without root or
// the slurm packages (.ci/run installs them).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { slurmJobName } from '@tensorfleet/coordinator';
import { describe } from './helpers/cli.js';
import {
  assertResumedRuns, checkpointLines, exitWithin, jobCompRecords, jobIdsByName, jobRuns, killNode, readStudy, runHpo, startLocalSlurm,
  studyFolder, trialLog, waitFor, writeStudySpec,
} from './helpers/slurm-study.js';

test('kill a Slurm node mid-study: its trial is requeued, resumes from its checkpoint on another node, the study completes', { timeout: 420_000 }, async () => {
  const dir = studyFolder('slurm-node-fail');
  const slurm = await startLocalSlurm();
  let cli;
  try {
    // 3 trials of 4 GPUs each: one per node. Batch 16 makes an epoch long enough to kill the node inside the next one
    // (with batch 32, a faster machine finished the next epoch, but not its checkpoint, before the kill landed).
    const spec = writeStudySpec(dir, { name: 'node-fail', trials: 3, maxEpochs: 4, gpus: 4, batchSize: 16 });
    cli = runHpo(spec, slurm);
    let exitedEarly = false;
    void cli.exited.then(() => (exitedEarly = true));

    // The victim: the first trial whose job has written its first checkpoint (epoch 1 of 4 done).
    const victim = await waitFor('a trial with its first epoch checkpointed', 150_000, () => {
      if (exitedEarly) throw new Error('the study ended before any node was killed');
      for (const trial of [0, 1, 2]) {
        const runs = jobRuns(trialLog(spec, trial));
        if (runs.length === 1 && checkpointLines(runs[0].lines).length >= 1) return { trial, node: runs[0].start.slurmNode, jobId: runs[0].start.slurmJobId };
      }
      return null;
    });
    const killed = killNode(slurm, victim.node);
    assert.ok(killed.jobs.includes(victim.jobId), `job ${victim.jobId} was not running on ${victim.node}: ${killed.jobs}`);

    const result = await exitWithin(cli, 360_000);
    assert.equal(result.code, 0, describe(result));
    const { trials, metrics, transitions } = readStudy(spec);
    assert.deepEqual(trials.map((t) => [t.number, t.state, t.epochs, t.attempt]), [0, 1, 2].map((n) => [n, 'completed', 4, 1]));
    for (const t of trials) assert.deepEqual(metrics.filter((m) => m.trialId === t.id).map((m) => m.epoch), [1, 2, 3, 4], `trial ${t.number}`);
    // The coordinator never restarted the trial itself: Slurm requeued the same job.
    assert.equal(transitions.filter((x) => x.to === 'running').length, 3);

    const ids = jobIdsByName(slurm);
    for (const t of trials) assert.equal(ids.get(slurmJobName({ study: spec.spec.name, trial: t.number }))?.size, 1, `trial ${t.number} submitted more than once`);
    const victimRuns = jobCompRecords(slurm).filter((r) => r.jobId === victim.jobId).map((r) => r.state);
    assert.deepEqual(victimRuns, ['NODE_FAIL', 'COMPLETED']);

    const runs = jobRuns(trialLog(spec, victim.trial));
    assertResumedRuns(assert, runs, { trial: victim.trial, epochs: 4 });
    assert.notEqual(runs[1].start.slurmNode, victim.node, 'the requeued job ran on the dead node');
    assert.ok(result.logs.some((l) => l.trial === victim.trial && l.jobState === 'REQUEUED'), 'the coordinator did not log the requeue');
  } finally {
    cli?.child.kill('SIGKILL');
    await slurm.stop();
  }
});
