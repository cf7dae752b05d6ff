import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import { job as makeJob, token } from './cluster.test-util.js';
import { capture, checkSamples, workerScript } from './elastic.test-util.js';
import { startParameterServer } from './parameter-server.js';

test('elastic: workers SIGKILLed at random steps and replaced; no step applied twice or lost, no sample counted twice in an epoch', async (t) => {
  const seed = Date.now() % 100_000;
  let rng = seed;
  const random = () => ((rng = (rng * 16807) % 2147483647) / 2147483647);
  t.diagnostic(`kill schedule seed ${seed}`);
  const job = makeJob({ batchSize: 16, epochs: 3, maxStepsPerEpoch: 10, evaluateVal: true, evalBatchSize: 1000 });
  const lines: Record<string, any>[] = [];
  const children = new Set<ChildProcess>();
  let spawned = 0;
  const spawnWorker = (url: string) => {
    const child = fork(workerScript, [url, `w${spawned++}`], { env: { ...process.env, TF_ELASTIC_TOKEN: token }, stdio: 'ignore' });
    children.add(child);
    child.on('exit', () => children.delete(child));
    return child;
  };
  // Two kills: one in epoch 0, one in epoch 1, at random steps; each victim replaced at once by a new process.
  const killAt = new Set([1 + Math.floor(random() * 8), 11 + Math.floor(random() * 8)]);
  const killed: number[] = [];
  let url = '';
  const ps = await startParameterServer({
    token, workers: 3, minWorkers: 3, job, elastic: true, logger: capture(lines), scheduler: null, optimizer: { name: 'sgd', options: { lr: 0.05 } },
    onStep: ({ step }) => {
      if (!killAt.has(step)) return;
      const alive = [...children];
      const victim = alive[Math.floor(random() * alive.length)]!;
      victim.kill('SIGKILL');
      killed.push(step);
      spawnWorker(url);
    },
  });
  url = ps.url;
  try {
    for (let i = 0; i < 3; i++) spawnWorker(url);
    const summary = await ps.done;
    assert.equal(killed.length, 2, 'both kills happened');

    const applied = lines.filter((l) => l.msg === 'step applied');
    assert.deepEqual(applied.map((l) => l.step), [...Array(summary.steps).keys()], 'every step applied exactly once, in order');
    assert.ok(applied.every((l) => l.level === 20), 'a per-step line is debug, not info');
    const memberships = lines.filter((l) => l.msg === 'epoch membership');
    assert.equal(memberships.length, 3);
    assert.ok(lines.some((l) => l.msg?.startsWith('worker evicted')), 'a killed worker was evicted');
    assert.ok(applied.some((l) => l.ranks.length < memberships.find((m) => m.epoch === l.epoch)!.worldSize), 'the barrier went on without the dead worker');
    assert.ok(memberships.every((m) => m.worldSize === 3), `every epoch starts with 3 members again (the replacements): ${memberships.map((m) => m.worldSize)}`);

    checkSamples(lines, job);
    for (const e of summary.epochs) assert.equal(e.val?.count, 1000, `epoch ${e.epoch}: val shards of the members add up to the split`);
  } finally {
    for (const c of children) c.kill('SIGKILL');
  }
});

