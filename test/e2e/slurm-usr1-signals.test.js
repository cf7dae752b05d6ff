// `tensorfleet train --launcher slurm`, the signals around a job, on the local Slurm of infra/slurm:
// - a one-worker job (one task: the task runs an ordinary local train with a worker child process) gets the time
//   limit's USR1 — sent here with `scancel --batch --signal=USR1`, as slurmctld sends it to the batch shell N s before
//   the limit (slurm-usr1-train.test.js waits for a real limit): the shell passes it to every process of the step,
//   the run checkpoints and stops, the job requeues itself and resumes there. No process may take USR1 for Node's
//   default, which opens the inspector (a debugger port) and goes on training past the limit.
// - Ctrl-C of the command cancels the job within seconds, and the command exits with the interrupted code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseJobRecord } from '@tensorfleet/coordinator';
import { exitCodes, logMessages } from '@tensorfleet/protocol';
import { describe, readSummary, startCli } from './helpers/cli.js';
import { useLocalSlurm } from './helpers/slurm.js';
import { exitWithin, jobCompRecords, waitFor } from './helpers/slurm-study.js';

const job = ['--preset', 'mlp', '--batch-size', '64', '--seed', '7', '--backend', 'wasm', '--metrics-port', '0', '--json', '--poll-seconds', '0.5'];

const localSlurm = useLocalSlurm('slurm-signals');

/** Starts `train --launcher slurm ...args`; resolves once its job has checkpointed `steps` steps, with the job id. */
async function trainUntil(args, out, steps) {
  const logs = [];
  const cli = startCli(['train', '--launcher', 'slurm', ...job, ...args, '--out', out], { env: localSlurm.cluster.env, onLine: (_, l) => l && logs.push(l) });
  const jobId = await waitFor(`the job to checkpoint step ${steps}`, 120_000, () => {
    if (cli.child.exitCode !== null) throw new Error(`train --launcher slurm exited ${cli.child.exitCode} early`);
    return logs.some((l) => l.msg === 'checkpoint written' && l.step >= steps) && logs.find((l) => l.slurmJobId && l.script)?.slurmJobId;
  }).catch((err) => {
    cli.child.kill('SIGKILL');
    throw err;
  });
  return { cli, jobId, logs };
}

test('one task, USR1 to the batch shell: every process takes it, the run checkpoints, requeues and resumes there', { timeout: 200_000 }, async () => {
  const out = join(localSlurm.root, 'one-task');
  // Epochs enough that the run is still training when USR1 comes after the first checkpoint: a quiet machine runs an
  // mlp epoch in under a second.
  const epochs = 10;
  const { cli, jobId } = await trainUntil(['--workers', '1', '--epochs', String(epochs)], out, 1);
  try {
    localSlurm.cluster.slurm('scancel', ['--batch', '--signal=USR1', jobId]);
    const result = await exitWithin(cli, 170_000);
    assert.equal(result.code, exitCodes.ok, `train --launcher slurm failed\n${describe(result)}`);
    const interrupted = result.logs.filter((l) => /^interrupted/.test(l.msg ?? '') && l.signal).map((l) => l.signal);
    assert.deepEqual(interrupted, ['SIGUSR1'], 'the run was stopped once, by USR1');
    const stopped = result.logs.find((l) => l.msg === 'run stopped');
    // (A worker child that left on its own signal before the server's last step made the server wait for it as lost.)
    assert.ok(stopped?.checkpoint && stopped.step > 0, `the run checkpointed at its stop: ${JSON.stringify(stopped)}\n${describe(result)}`);
    assert.ok(!result.logs.some((l) => /worker lost/.test(l.msg ?? '')), 'a worker left before the server stopped the run');
    assert.deepEqual(jobCompRecords(localSlurm.cluster).filter((r) => r.jobId === jobId).map((r) => r.state), ['PENDING', 'COMPLETED'], 'requeued once, then completed');
    const starts = result.logs.filter((l) => l.msg === logMessages.training);
    assert.deepEqual(starts.map((l) => l.step), [0, stopped.step], 'the requeued job resumed at the checkpointed step');
    const perEpoch = starts[0].stepsPerEpoch;
    const { summary } = readSummary(result);
    assert.deepEqual(summary.history.map((h) => h.epoch), Array.from({ length: epochs }, (_, i) => i), 'each epoch once');
    assert.equal(summary.steps, epochs * perEpoch, 'the steps of an uninterrupted run, none lost or repeated');
    assert.doesNotMatch(readFileSync(join(out, `slurm-${jobId}.err`), 'utf8'), /Debugger listening|inspector/, 'a process opened the inspector on USR1');
  } finally {
    if (cli.child.exitCode === null) cli.child.kill('SIGKILL');
  }
});

test('Ctrl-C of train --launcher slurm: the job is cancelled within seconds and the command exits interrupted', { timeout: 180_000 }, async () => {
  const out = join(localSlurm.root, 'ctrl-c');
  const { cli, jobId } = await trainUntil(['--epochs', '50'], out, 1);
  try {
    const interruptedAt = Date.now();
    cli.child.kill('SIGINT');
    const result = await exitWithin(cli, 30_000);
    const seconds = (Date.now() - interruptedAt) / 1000;
    assert.equal(result.code, exitCodes.interrupted, describe(result));
    assert.ok(seconds < 15, `the command took ${seconds} s to exit after Ctrl-C`);
    const record = parseJobRecord(localSlurm.cluster.slurm('scontrol', ['show', 'job', '-o', jobId]));
    assert.match(record?.state ?? '', /^CANCELLED/, `the job's state after Ctrl-C: ${record?.state}`);
    // Then nothing of it runs on the nodes any more: squeue says CANCELLED, no longer COMPLETING.
    const queued = () => localSlurm.cluster.slurm('squeue', ['-h', '-j', jobId, '-t', 'all', '-o', '%T']).trim();
    await waitFor(`the job's processes to end (squeue: ${queued()})`, 40_000, () => queued() === 'CANCELLED');
    assert.ok(result.logs.some((l) => l.slurmJobId === jobId && l.state?.startsWith('CANCELLED')), 'the command logged the cancelled job');
  } finally {
    if (cli.child.exitCode === null) cli.child.kill('SIGKILL');
  }
});
