// Process lifecycle through the real binary: every fault ends every process promptly with the right exit code and a
// line saying why; Ctrl-C stops with a checkpoint; a SIGKILLed `train` leaves no orphan workers; a killed worker is
// restarted (--max-restarts) and the run ends bitwise equal to an untouched one; a port in use is one line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exitCodes } from '@tensorfleet/protocol';
import { describe, readCheckpointWeights, readSummary, runCli, startCli } from './helpers/cli.js';

// (bench/ imports protocol the same way: through the workspace, as a dependency of the CLI.)
const EXIT = exitCodes;
const token = 'lifecycle-test-token-0123456789abcdef0123456789';
const env = { TENSORFLEET_TOKEN: token };
// mlp at batch 64 on 2 workers: 62 steps per epoch, a few seconds each on a loaded machine.
const mlp = ['--preset', 'mlp', '--batch-size', '64', '--seed', '3', '--json'];

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitUntil(condition, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

/** The exit of `run` if it comes within `ms`, else a failure naming `what`. */
async function exitWithin(run, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} still running ${ms} ms later`)), ms)));
  try {
    return await Promise.race([run.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Live child pids of `pid` (from /proc; zombies excluded). */
function childrenOf(pid) {
  const kids = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(ppid) === pid && state !== 'Z') kids.push(Number(entry));
    } catch {
      // exited while we looked
    }
  }
  return kids;
}

const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1][0] !== 'Z';
  } catch {
    return false;
  }
};

async function freePort() {
  const server = createServer();
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  await new Promise((r) => server.close(r));
  return port;
}

/** startCli that also keeps the lines so far in `.lines` (and their parsed logs in `.logs`). */
function start(args, options = {}) {
  const lines = [];
  const logs = [];
  const run = startCli(args, { ...options, onLine: (line, log) => { lines.push(line); if (log) logs.push(log); options.onLine?.(line, log); } });
  return Object.assign(run, { lines, logs });
}

const seen = (run, msg) => () => run.lines.some((l) => l.includes(`"msg":"${msg}`));

/** `tensorfleet ps` on a free port plus `count` `tensorfleet worker` processes; lines of each collected. */
async function remoteCluster(root, count, psArgs = []) {
  const port = await freePort();
  const ps = start(['ps', '--workers', String(count), '--host', '127.0.0.1', '--port', String(port), '--out', join(root, 'run'), ...mlp, ...psArgs], { env });
  await waitUntil(seen(ps, 'parameter server listening'), 60_000, 'the parameter server to listen');
  const startWorker = (name) => {
    return start(['worker', '--ps', `ws://127.0.0.1:${port}`, '--name', name, '--json'], { env });
  };
  const workers = Array.from({ length: count }, (_, i) => startWorker(`w${i}`));
  return { ps, workers, startWorker, port };
}

function cleanup(...runs) {
  for (const r of runs) if (r && r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL');
}

test('the parameter server SIGKILLed: every worker exits non-zero within 5 s, saying it lost the server', { timeout: 180_000 }, async () => {
  const root = mkdtempSync(join(tmpdir(), 'tf-e2e-life-'));
  const { ps, workers } = await remoteCluster(root, 2, ['--epochs', '20']);
  try {
    await waitUntil(seen(ps, 'all workers joined; training'), 90_000, 'training to start');
    await sleep(1000);
    ps.child.kill('SIGKILL');
    const killedAt = Date.now();
    for (const w of workers) {
      const result = await exitWithin(w, 5_000, 'a worker of the killed parameter server');
      assert.equal(result.code, EXIT.failed, `worker exit code\n${describe(result)}`);
      assert.ok(result.logs.some((l) => l.msg === 'worker failed' && /(connection to|cannot reach) ws:\/\/127\.0\.0\.1:\d+/.test(l.err)), `the worker says it lost the server\n${describe(result)}`);
    }
    assert.ok(Date.now() - killedAt < 5_000);
  } finally {
    cleanup(ps, ...workers);
    rmSync(root, { recursive: true, force: true });
  }
});

test('a failure on the server side ends the server and every worker within 5 s, non-zero, with the cause and no "worker lost"', { timeout: 180_000 }, async () => {
  const root = mkdtempSync(join(tmpdir(), 'tf-e2e-life-'));
  const { ps, workers } = await remoteCluster(root, 2, ['--epochs', '20', '--checkpoint-every', '5']);
  try {
    await waitUntil(() => ps.lines.some((l) => l.includes('"msg":"checkpoint written"')), 90_000, 'a first checkpoint');
    // The next checkpoint cannot be written: its folder is now a file (root ignores permissions, a file it cannot ignore).
    const dir = join(root, 'run', 'checkpoints');
    rmSync(dir, { recursive: true, force: true });
    writeFileSync(dir, 'not a folder');
    await waitUntil(seen(ps, 'run failed'), 60_000, 'the run to fail');
    const failedAt = Date.now();
    const server = await exitWithin(ps, 5_000, 'the failed parameter server');
    assert.equal(server.code, EXIT.failed, describe(server));
    assert.ok(server.logs.some((l) => l.msg === 'run failed' && /checkpoints/.test(l.err)), 'the server names the cause');
    assert.ok(!server.logs.some((l) => /worker lost/.test(l.msg ?? '')), `no bogus "worker lost" warnings\n${describe(server)}`);
    for (const w of workers) {
      const result = await exitWithin(w, Math.max(100, 5_000 - (Date.now() - failedAt)), 'a worker of the failed run');
      assert.equal(result.code, EXIT.failed, `worker exit code\n${describe(result)}`);
      assert.ok(result.logs.some((l) => l.msg === 'worker failed' && /the run failed: .*checkpoints/.test(l.err)), `the worker says why\n${describe(result)}`);
      assert.ok(!result.logs.some((l) => l.ended === 'done'), 'no worker claims the run completed');
    }
  } finally {
    cleanup(ps, ...workers);
    rmSync(root, { recursive: true, force: true });
  }
});

test('a lost worker with no restarts fails the run after --rejoin-timeout, with one clear line; the other worker exits non-zero', { timeout: 180_000 }, async () => {
  const root = mkdtempSync(join(tmpdir(), 'tf-e2e-life-'));
  const { ps, workers } = await remoteCluster(root, 2, ['--epochs', '20', '--rejoin-timeout', '2']);
  try {
    await waitUntil(seen(ps, 'all workers joined; training'), 90_000, 'training to start');
    await sleep(1000);
    workers[0].child.kill('SIGKILL');
    const killedAt = Date.now();
    const server = await exitWithin(ps, 2_000 + 5_000, 'the parameter server of the lost worker');
    const took = Date.now() - killedAt;
    assert.equal(server.code, EXIT.failed, describe(server));
    assert.ok(took >= 1_900, `the server waited the rejoin timeout (${took} ms)`);
    assert.ok(server.logs.some((l) => l.msg === 'parameter server failed' && /worker rank \d lost and not back within 2000 ms/.test(l.err)), describe(server));
    const other = await exitWithin(workers[1], 5_000, 'the surviving worker');
    assert.equal(other.code, EXIT.failed, describe(other));
  } finally {
    cleanup(ps, ...workers);
    rmSync(root, { recursive: true, force: true });
  }
});

test('a worker that joins and leaves before training starts only frees its slot', { timeout: 180_000 }, async () => {
  const root = mkdtempSync(join(tmpdir(), 'tf-e2e-life-'));
  const { ps, workers, startWorker } = await remoteCluster(root, 1, ['--workers', '2', '--epochs', '1', '--rejoin-timeout', '1']);
  const late = [];
  try {
    await waitUntil(seen(ps, 'worker joined'), 60_000, 'the early worker to join');
    workers[0].child.kill('SIGKILL');
    await waitUntil(seen(ps, 'worker left before training started'), 10_000, 'the server to see the early leaver');
    await sleep(2_000); // longer than the rejoin timeout: nothing may fail
    assert.equal(ps.child.exitCode, null, 'the server still waits for workers');
    late.push(startWorker('late-0'), startWorker('late-1'));
    const server = await exitWithin(ps, 150_000, 'the run');
    assert.equal(server.code, EXIT.ok, describe(server));
    readSummary(server);
    for (const w of late) assert.equal((await w.exited).code, EXIT.ok);
  } finally {
    cleanup(ps, ...workers, ...late);
    rmSync(root, { recursive: true, force: true });
  }
});

/**
 * Runs `tensorfleet train` (2 workers, `extra` flags) into a fresh folder until training is under way, then
 * `body({ run, out, args, workerPids })`; afterwards kills whatever is left and removes the folder.
 */
async function duringTraining(extra, body) {
  const root = mkdtempSync(join(tmpdir(), 'tf-e2e-life-'));
  const out = join(root, 'run');
  const args = ['train', '--workers', '2', '--out', out, ...mlp, ...extra];
  const run = start(args);
  let workerPids = [];
  try {
    await waitUntil(() => run.logs.some((l) => l.msg === 'all workers joined; training'), 90_000, 'training to start');
    workerPids = childrenOf(run.child.pid);
    assert.equal(workerPids.length, 2, 'two worker processes');
    await body({ run, out, args, workerPids });
  } finally {
    cleanup(run);
    for (const p of workerPids) if (alive(p)) process.kill(p, 'SIGKILL');
    rmSync(root, { recursive: true, force: true });
  }
}

const workersGone = (workerPids, ms) => waitUntil(() => workerPids.every((p) => !alive(p)), ms, `the workers ${workerPids} to exit`);

test('Ctrl-C on train: stops within 5 s with a checkpoint of the step it reached, exit 130; --resume continues from it', { timeout: 240_000 }, () =>
  duringTraining(['--epochs', '3'], async ({ run, out, args, workerPids }) => {
    await sleep(1500);
    run.child.kill('SIGINT');
    const at = Date.now();
    const result = await exitWithin(run, 5_000, 'the interrupted train');
    assert.equal(result.code, EXIT.interrupted, describe(result));
    const stopped = result.logs.find((l) => l.msg === 'run stopped');
    assert.ok(stopped?.checkpoint, `the server checkpointed where it stopped\n${describe(result)}`);
    const latest = JSON.parse(readFileSync(join(out, 'checkpoints', 'latest.json'), 'utf8'));
    assert.equal(latest.step, stopped.step, 'the newest checkpoint is the step the run stopped at');
    assert.ok(result.logs.some((l) => l.role === 'cli' && /^interrupted at step \d+; continue with --resume/.test(l.msg)), describe(result));
    assert.ok(!result.logs.some((l) => /worker lost/.test(l.msg ?? '')), 'no "worker lost" warnings');
    await workersGone(workerPids, Math.max(500, 5_000 - (Date.now() - at)));

    const resumed = await runCli([...args, '--resume']);
    assert.ok(resumed.logs.some((l) => l.msg === 'all workers joined; training' && l.step === stopped.step), 'the resumed run starts at the stopped step');
    assert.equal(readSummary(resumed).summary.steps, 3 * 62);
  }));

test('a second Ctrl-C stops train at once (exit 130) and its workers with it', { timeout: 180_000 }, () =>
  duringTraining(['--epochs', '20'], async ({ run, workerPids }) => {
    run.child.kill('SIGINT');
    run.child.kill('SIGINT');
    const result = await exitWithin(run, 5_000, 'train after two interrupts');
    assert.equal(result.code, EXIT.interrupted, describe(result));
    await workersGone(workerPids, 5_000);
  }));

test('SIGKILL of train: its worker processes are gone within 5 s', { timeout: 180_000 }, () =>
  duringTraining(['--epochs', '20'], async ({ run, workerPids }) => {
    run.child.kill('SIGKILL');
    await run.exited;
    await workersGone(workerPids, 5_000);
  }));

test('--max-restarts 1: a SIGKILLed worker is restarted in its rank and the run ends bitwise equal to an untouched one', { timeout: 300_000 }, async () => {
  const root = mkdtempSync(join(tmpdir(), 'tf-e2e-life-'));
  const args = (out) => ['train', '--workers', '2', '--epochs', '2', '--out', out, '--max-restarts', '1', ...mlp];
  try {
    const whole = readSummary(await runCli(args(join(root, 'whole'))));
    let killed = false;
    const run = start(args(join(root, 'restarted')), {
      onLine: (_, log) => {
        // Kill a worker mid-epoch 0 (the server waits for its step) once training is under way.
        if (!killed && log?.msg === 'all workers joined; training') {
          killed = true;
          setTimeout(() => {
            const [victim] = childrenOf(run.child.pid);
            if (victim) process.kill(victim, 'SIGKILL');
          }, 1500);
        }
      },
    });
    const result = await run.exited;
    assert.equal(result.code, EXIT.ok, describe(result));
    assert.ok(result.logs.some((l) => l.msg?.includes('restarting it (restart 1 of 1)')), `a worker was restarted\n${describe(result)}`);
    const restarted = readSummary(result);
    assert.equal(restarted.summary.steps, whole.summary.steps);
    const expected = readCheckpointWeights(whole.summary.modelPath);
    const actual = readCheckpointWeights(restarted.summary.modelPath);
    actual.forEach((w, i) => assert.ok(Buffer.from(w.values.buffer).equals(Buffer.from(expected[i].values.buffer)), `${w.name}: every step applied once, none lost`));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a port in use: one line naming it, exit 4, no stack trace', { timeout: 120_000 }, async () => {
  const blocker = createServer();
  await new Promise((r) => blocker.listen(0, '127.0.0.1', r));
  const { port } = blocker.address();
  const root = mkdtempSync(join(tmpdir(), 'tf-e2e-life-'));
  try {
    const result = await startCli(['ps', '--workers', '1', '--host', '127.0.0.1', '--port', String(port), '--out', join(root, 'run'), ...mlp], { env }).exited;
    assert.equal(result.code, EXIT.unavailable, describe(result));
    const errors = result.logs.filter((l) => l.level >= 50);
    assert.deepEqual(errors.map((l) => l.msg), [`cannot listen on 127.0.0.1:${port}: the port is in use (choose another with --port)`]);
    assert.doesNotMatch(result.stderr, /at .*\(|EADDRINUSE/, 'no stack trace');
  } finally {
    blocker.close();
    rmSync(root, { recursive: true, force: true });
  }
});
