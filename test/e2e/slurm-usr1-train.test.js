// `tensorfleet train --launcher slurm` against a real time limit, on the local Slurm of infra/slurm: the job asks
// `--time=1` (one minute) and `--signal=B:USR1@20`, and trains longer than a minute. slurmctld sends USR1 to the batch
// shell (it checks time limits every 30 s, so the warning comes 10-40 s after the start), the shell passes it to the
// step's tasks, rank 0 checkpoints at the step's end and stops (exit interrupted), the shell requeues the job, and the
// requeued job resumes from that checkpoint. Once the job is back in the queue the test gives it a ten-minute limit
// (`scontrol update TimeLimit=10`), so the second run finishes instead of being warned again every minute. The end
// is that of an uninterrupted run: every epoch once, the steps of E epochs, exit 0 and the summary path last.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { exitCodes, logMessages } from '@tensorfleet/protocol';
import { describe, readSummary, startCli } from './helpers/cli.js';
import { useLocalSlurm } from './helpers/slurm.js';
import { exitWithin, jobCompRecords, waitFor } from './helpers/slurm-study.js';

// The training must outlast the warning, which comes 10-40 s after the job starts, on the fastest machine CI runs on:
// 22 epochs did not (a quiet 2-core machine ran them in ~20 s, ~0.9 s an epoch after ~2 s of start-up). 60 epochs are
// ~55 s there and ~200 s on a loaded machine (~3.2 s an epoch), which the limits below allow for. (A still faster
// machine could finish before the warning: the test then fails saying so; raise the epochs.)
const epochs = 60;
const job = ['--preset', 'mlp', '--epochs', String(epochs), '--batch-size', '64', '--seed', '7', '--backend', 'wasm', '--metrics-port', '0', '--json'];

const localSlurm = useLocalSlurm('slurm-usr1');

const jsonLines = (path) => readFileSync(path, 'utf8').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));

test('the time limit\'s USR1: the run checkpoints, the job requeues itself and resumes there, the end of an uninterrupted run', { timeout: 480_000 }, async (t) => {
  const out = join(localSlurm.root, 'usr1');
  const logs = [];
  const cli = startCli(['train', '--launcher', 'slurm', ...job, '--time', '1', '--signal-seconds', '20', '--poll-seconds', '0.5', '--out', out], {
    env: localSlurm.cluster.env, onLine: (_, l) => l && logs.push(l),
  });
  const started = Date.now();
  try {
    const requeued = await waitFor('the job back in the queue after its time-limit warning', 150_000, () => {
      if (cli.child.exitCode !== null) throw new Error(`train --launcher slurm exited ${cli.child.exitCode} before its job was requeued (done in one allocation? raise the epochs)`);
      return logs.find((l) => l.slurmJobId && l.restarts === 1 && l.state);
    });
    const jobId = requeued.slurmJobId;
    localSlurm.cluster.slurm('scontrol', ['update', `JobId=${jobId}`, 'TimeLimit=10']);

    const result = await exitWithin(cli, 320_000);
    const at = (l) => `${((l.time - started) / 1000).toFixed(1)} s`;
    for (const l of result.logs.filter((x) => x.state || x.signal || x.msg === logMessages.training || x.msg === 'run stopped')) t.diagnostic(`${at(l)} ${l.msg}`);
    assert.equal(result.code, exitCodes.ok, `train --launcher slurm failed\n${describe(result)}`);
    const { path, summary } = readSummary(result);
    assert.equal(path, join(out, 'summary.json'));

    // The warning reached rank 0 as USR1 (not as the time limit's SIGTERM), before any SIGTERM.
    const signals = result.logs.filter((l) => /^interrupted/.test(l.msg ?? '') && l.signal).map((l) => l.signal);
    assert.equal(signals[0], 'SIGUSR1', `the first run was stopped by ${signals}`);
    assert.ok(!signals.includes('SIGTERM'), `a SIGTERM came (the time limit killed the job?): ${signals}`);
    const stopped = result.logs.find((l) => l.msg === 'run stopped');
    assert.ok(stopped?.checkpoint && stopped.step > 0, `the run checkpointed at its stop: ${JSON.stringify(stopped)}`);

    // Slurm ran the job twice: a run that ended by requeue (not TIMEOUT), then one that completed.
    // (jobcomp records a requeued run with the state the job is in then: PENDING.)
    const runs = jobCompRecords(localSlurm.cluster).filter((r) => r.jobId === jobId).map((r) => r.state);
    assert.deepEqual(runs, ['PENDING', 'COMPLETED'], `the job's runs: ${runs}`);

    // The second run started at the checkpointed step, and no epoch ran twice or was skipped.
    const starts = result.logs.filter((l) => l.msg === logMessages.training);
    assert.deepEqual(starts.map((l) => l.step), [0, stopped.step], 'where each run started training');
    const perEpoch = starts[0].stepsPerEpoch;
    assert.ok(stopped.step < epochs * perEpoch, `stopped at ${stopped.step}, before the end`);
    const epochLines = jsonLines(join(out, `slurm-${jobId}.out`)).filter((l) => l.msg === logMessages.epoch);
    assert.deepEqual(epochLines.map((l) => l.epoch), Array.from({ length: epochs }, (_, i) => i), 'each epoch once, in the job\'s output file');
    assert.deepEqual(epochLines.map((l) => l.step), Array.from({ length: epochs }, (_, i) => (i + 1) * perEpoch), 'the step count at each epoch\'s end');
    assert.equal(summary.steps, epochs * perEpoch, 'the steps of an uninterrupted run, none lost or repeated');
    assert.equal(summary.epochs, epochs);
    assert.deepEqual(summary.history.map((h) => h.epoch), epochLines.map((l) => l.epoch), 'the summary\'s history: each epoch once');
    assert.ok(summary.testAccuracy > 0.5, `it trained: ${summary.testAccuracy}`);
    // No tensorfleet process took USR1 for Node's default (opening the inspector).
    assert.doesNotMatch(readFileSync(join(out, `slurm-${jobId}.err`), 'utf8'), /Debugger listening|inspector/);
  } finally {
    if (cli.child.exitCode === null) cli.child.kill('SIGKILL');
  }
});
