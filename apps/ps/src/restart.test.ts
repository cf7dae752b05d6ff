import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { job as makeJob, runCluster, token } from './cluster.test-util.js';
import { capture, workerProcesses } from './elastic.test-util.js';
import { startParameterServer } from './parameter-server.js';

const job = makeJob({ batchSize: 16, epochs: 1, maxStepsPerEpoch: 16 });
const optimizer = { name: 'sgd' as const, options: { lr: 0.05, momentum: 0.9 } };

test('restart membership: a SIGKILLed worker replaced by a new process ends bitwise equal to an untouched run', async () => {
  const untouched = await runCluster({ workers: 2, job, optimizer, scheduler: null });
  const lines: Record<string, any>[] = [];
  const w = workerProcesses();
  let url = '';
  const ps = await startParameterServer({
    token, workers: 2, job, optimizer, scheduler: null, maxRestarts: 1, rejoinTimeoutMs: 30_000, logger: capture(lines),
    onStep: ({ step }) => {
      if (step !== 5) return;
      w.children[0]!.kill('SIGKILL'); // mid-run: the server waits for this rank's step-5 push
      w.spawn(url, 'replacement');
    },
  });
  url = ps.url;
  try {
    w.spawn(url, 'w0');
    w.spawn(url, 'w1');
    const summary = await ps.done;
    assert.equal(summary.steps, 16);
    assert.equal(lines.filter((l) => /^a new worker takes over rank \d \(restart 1 of 1\)$/.test(l.msg)).length, 1, 'one restart');
    summary.parameters.forEach((p, i) => assert.ok(Buffer.from(p.buffer).equals(Buffer.from(untouched.summary.parameters[i]!.buffer)), `parameter ${i}: every step applied once`));
  } finally {
    w.killAll();
  }
});

test('restart membership: with no restarts left a new process is refused, and the lost rank fails the run after rejoinTimeoutMs', async () => {
  const lines: Record<string, any>[] = [];
  const w = workerProcesses();
  let url = '';
  let lostAt = 0;
  let replacement: Promise<unknown> | undefined;
  const ps = await startParameterServer({
    token, workers: 2, job: { ...job, maxStepsPerEpoch: 10_000 }, optimizer, scheduler: null, maxRestarts: 0, rejoinTimeoutMs: 15_000, logger: capture(lines),
    onStep: ({ step }) => {
      if (step !== 3) return;
      w.children[0]!.kill('SIGKILL');
      lostAt = Date.now();
      replacement = once(w.spawn(url, 'replacement'), 'exit');
    },
  });
  url = ps.url;
  try {
    w.spawn(url, 'w0');
    w.spawn(url, 'w1');
    const failed = assert.rejects(ps.done, /worker rank \d lost and not back within 15000 ms/);
    while (!replacement) await new Promise((r) => setTimeout(r, 20));
    const [code] = (await replacement) as [number];
    assert.equal(code, 1, 'the refused process fails');
    assert.match(w.stderr.join(''), /no restarts left \(maxRestarts 0\)/, 'the new process was told why it was refused');
    await failed;
    assert.ok(Date.now() - lostAt >= 14_900, 'the run failed after the rejoin timeout, not at once');
    assert.ok(lines.some((l) => /^worker lost; waiting 15000 ms/.test(l.msg)));
  } finally {
    w.killAll();
  }
});
