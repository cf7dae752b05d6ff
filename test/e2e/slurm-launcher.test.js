// `tensorfleet train --launcher slurm` from outside an allocation, on the local Slurm of infra/slurm: one batch job
// with a task per worker on its own virtual node, its output streamed back into the terminal and OUT/log.jsonl, the
// job's end as the command's exit, and the accuracy of a local run of the same seed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, readSummary, runCli, startCli } from './helpers/cli.js';
import { useLocalSlurm } from './helpers/slurm.js';

const job = ['--preset', 'mlp', '--epochs', '1', '--batch-size', '64', '--seed', '7', '--backend', 'wasm', '--metrics-port', '0', '--json'];

const localSlurm = useLocalSlurm('slurm-launcher');

test('train --launcher slurm: one job, the PS on rank 0 and a worker per node, streamed back, the accuracy of a local run', { timeout: 170_000 }, async () => {
  const out = join(localSlurm.root, 'slurm');
  const run = startCli(['train', '--launcher', 'slurm', ...job, '--out', out], { env: localSlurm.cluster.env });
  const timer = setTimeout(() => run.child.kill('SIGINT'), 150_000);
  const result = await run.exited.finally(() => clearTimeout(timer));
  assert.equal(result.code, 0, `train --launcher slurm failed\n${describe(result)}`);
  const states = result.logs.filter((l) => typeof l.slurmJobId === 'string' && l.state).map((l) => l.state);
  assert.ok(states.includes('RUNNING') && states.at(-1) === 'COMPLETED', `the job's states: ${states}`);
  // Every rank's lines came back from the job's output file, with the node each ran on.
  const tasks = result.logs.filter((l) => l.cluster === 'slurm').sort((a, b) => a.task - b.task).map((l) => [l.task, l.node, l.ps]);
  assert.deepEqual(tasks, [[0, 'n1', true], [1, 'n2', false]]);
  const logged = readFileSync(join(out, 'log.jsonl'), 'utf8').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
  assert.deepEqual(logged.filter((l) => l.msg === 'worker joined').map((l) => l.name).sort(), ['slurm-0@n1', 'slurm-1@n2']);
  const { summary, path } = readSummary(result);
  assert.equal(result.lines.filter((l) => l.trim() === path).length, 1, 'the summary path is printed once');
  const local = readSummary(await runCli(['train', ...job, '--workers', '2', '--out', join(localSlurm.root, 'local')]));
  assert.ok(summary.testAccuracy > 0.5, `it trained: ${summary.testAccuracy}`);
  assert.equal(summary.testAccuracy, local.summary.testAccuracy, 'the same test accuracy as a local train of the same seed');
});

test('scontrol requeue mid-run: the run checkpoints, the requeued job resumes from it, the final step count is unchanged', { timeout: 170_000 }, async () => {
  const out = join(localSlurm.root, 'requeue');
  const logs = [];
  const run = startCli(['train', '--launcher', 'slurm', ...job, '--epochs', '2', '--verbose', '--out', out], { env: localSlurm.cluster.env, onLine: (_, l) => l && logs.push(l) });
  const timer = setTimeout(() => run.child.kill('SIGINT'), 150_000);
  try {
    const deadline = Date.now() + 120_000;
    while (!logs.some((l) => l.msg === 'step' && l.step >= 20) && Date.now() < deadline && run.child.exitCode === null) await new Promise((r) => setTimeout(r, 100));
    const jobId = logs.find((l) => l.slurmJobId && l.script)?.slurmJobId;
    assert.ok(jobId, 'the job was submitted');
    localSlurm.cluster.slurm('scontrol', ['requeue', jobId]); // what a preemption with PreemptMode=REQUEUE does
    const result = await run.exited;
    assert.equal(result.code, 0, `train --launcher slurm failed\n${describe(result)}`);
    const stopped = result.logs.find((l) => l.msg === 'run stopped');
    assert.ok(stopped && stopped.step > 0 && stopped.checkpoint, `the run checkpointed when Slurm stopped it: ${JSON.stringify(stopped)}`);
    assert.ok(result.logs.some((l) => l.slurmJobId === jobId && l.restarts === 1 && l.state === 'RUNNING'), 'the requeued job ran again');
    const perEpoch = result.logs.find((l) => l.msg === 'all workers joined; training')?.stepsPerEpoch;
    const { summary } = readSummary(result);
    assert.ok(stopped.step < 2 * perEpoch, 'stopped before the end');
    assert.equal(summary.steps, 2 * perEpoch, 'the steps of an uninterrupted run, none lost or repeated');
  } finally {
    clearTimeout(timer);
    if (run.child.exitCode === null) run.child.kill('SIGKILL');
  }
});
