import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import { job as makeJob, token } from './cluster.test-util.js';
import { capture, checkSamples, workerScript } from './elastic.test-util.js';
import { startParameterServer } from './parameter-server.js';

test('elastic: a hung worker (SIGSTOP) is evicted by the heartbeat timeout; the rest goes on and the data is resharded', async () => {
  const job = makeJob({ batchSize: 16, epochs: 2, maxStepsPerEpoch: 8, evaluateVal: false });
  const lines: Record<string, any>[] = [];
  const children: ChildProcess[] = [];
  let url = '';
  let stoppedAt = -1;
  // The timeout stays above a loaded worker's synchronous model and data build (no heartbeats then): at 1.5 s a
  // machine at load 20 evicted the wrong worker.
  const ps = await startParameterServer({
    token, workers: 2, job, elastic: true, heartbeatTimeoutMs: 4000, logger: capture(lines), scheduler: null,
    onStep: ({ step }) => {
      if (step !== 3) return;
      children[1]!.kill('SIGSTOP');
      stoppedAt = performance.now();
    },
  });
  url = ps.url;
  try {
    for (let i = 0; i < 2; i++) children.push(fork(workerScript, [url, `h${i}`], { env: { ...process.env, TF_ELASTIC_TOKEN: token }, stdio: 'ignore' }));
    const summary = await ps.done;
    const evicted = lines.find((l) => l.msg?.startsWith('worker evicted'));
    assert.ok(evicted, 'the hung worker was evicted');
    assert.equal(evicted.name, 'h1');
    assert.ok(stoppedAt > 0);
    const applied = lines.filter((l) => l.msg === 'step applied');
    const stalled = evicted!.time - applied[2]!.time; // stopped right after step 2 was applied
    assert.ok(stalled >= 3000 && stalled < 20_000, `evicted ${stalled} ms after the stall: by the heartbeat timeout, not at once`);
    assert.deepEqual(applied.map((l) => l.step), [...Array(summary.steps).keys()]);
    assert.deepEqual(applied.filter((l) => l.step >= 4).map((l) => l.ranks.length), new Array(summary.steps - 4).fill(1));
    const memberships = lines.filter((l) => l.msg === 'epoch membership');
    assert.deepEqual(memberships.map((m) => m.worldSize), [2, 1], 'epoch 1 resharded over the one worker left');
    checkSamples(lines, job);
  } finally {
    for (const c of children) c.kill('SIGKILL');
  }
});
