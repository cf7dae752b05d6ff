// Fuzzing a real run (issue 12): ≥ 100,000 malformed frames from unauthenticated and authenticated peers against a
// `tensorfleet ps` with two `tensorfleet worker`s. Zero crashes, zero frames accepted, and the final weights are
// bitwise those of the same run without the fuzz.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, readCheckpointWeights, readSummary } from './helpers/cli.js';
import { startLogged, startPs } from './helpers/logged.js';
import { malformedFrame, prng } from './helpers/malformed.js';
import { decodeFrame, encodeMessage, logMessages } from '@tensorfleet/protocol';
import { parseServerFrames, rawSession, tcpConnect, upgradeRequest, wsFrame } from './helpers/raw-ws.js';

const FRAMES = 100_000;
const PER_CONNECTION = 12; // the first bad frame closes the connection; the rest test that nothing behind it is read
const JOB = ['--workers', '2', '--preset', 'mlp', '--epochs', '1', '--batch-size', '32', '--seed', '3']; // 125 steps
const settle = (ms) => new Promise((r) => setTimeout(r, ms));
// node:test's timeout fails the test but does not stop its loops, which would then fuzz a stuck PS forever and keep the
// file's process (and CI) alive: every loop below also ends at this deadline, and the test then fails with the PS's log.
const FUZZ_BUDGET_MS = 480_000;

/** Runs a PS and two workers to completion; `during(ps, port)` runs alongside. Returns the PS's result. */
async function trainedRun(root, env, during = async () => {}) {
  const { ps, url, port } = await startPs([...JOB, '--out', root], { env });
  const runs = [ps];
  try {
    const fuzzing = during(ps, port, () => {
      runs.push(...[0, 1].map((i) => startLogged(['worker', '--ps', url, '--backend', 'wasm', '--name', `w${i}`, '--json'], { env })));
    });
    await fuzzing;
    const [psResult, ...workers] = await Promise.all(runs.map((r) => r.exited));
    assert.equal(psResult.code, 0, `the PS failed\n${describe(psResult)}`);
    assert.equal(workers.length, 2);
    workers.forEach((w, i) => assert.equal(w.code, 0, `worker ${i} failed\n${describe(w)}`));
    return psResult;
  } finally {
    for (const r of runs) if (!r.closed) r.child.kill('SIGKILL');
  }
}

/** How many authenticated fuzzers the PS counts as holding a worker slot before training (joined and not yet left). */
function fuzzersInSlots(ps) {
  const fuzzers = ps.logs.filter((l) => l.name === 'fuzz-auth');
  return fuzzers.filter((l) => l.msg === logMessages.workerJoined).length - fuzzers.filter((l) => l.msg === logMessages.workerLeftBeforeTraining).length;
}

/** What the fuzzers saw: frames sent, connections, and every way the server answered. */
function newTally() {
  return { frames: 0, connections: 0, welcomedUnauthenticated: 0, notClosedByServer: 0, acceptedReplies: 0, kinds: new Set() };
}

/** The protocol messages in what a server sent on a raw connection (after its HTTP upgrade response). */
function serverMessages(bytes) {
  const end = bytes.indexOf('\r\n\r\n');
  if (end < 0) return [];
  return parseServerFrames(bytes.subarray(end + 4)).frames.filter((f) => f.opcode === 2).map((f) => decodeFrame(f.payload));
}

/** One unauthenticated connection: the upgrade, maybe a valid hello (so the auth stage is fuzzed too), bad frames. */
async function unauthenticatedBurst(port, rng, tally, localAddress) {
  let socket;
  try {
    socket = await tcpConnect(port, { localAddress });
  } catch {
    return; // refused at accept by the pending caps: nothing was sent
  }
  socket.on('error', () => {});
  const received = [];
  socket.on('data', (d) => received.push(d));
  const closed = new Promise((r) => socket.once('close', r));
  const parts = [upgradeRequest('127.0.0.1', port)];
  if (rng() < 0.5) parts.push(wsFrame(encodeMessage({ type: 'hello', role: 'worker', clientNonce: randomBytes(32), rank: -1, runId: '', name: 'fuzz' })));
  for (let i = 0; i < PER_CONNECTION; i++) {
    const { kind, bytes } = malformedFrame(rng);
    tally.kinds.add(kind);
    parts.push(bytes);
  }
  socket.end(Buffer.concat(parts)); // half-close: the server must still decide and close
  tally.frames += PER_CONNECTION;
  tally.connections++;
  const done = await Promise.race([closed.then(() => true), settle(15_000).then(() => false)]);
  if (!done) {
    tally.notClosedByServer++;
    socket.destroy();
  }
  if (serverMessages(Buffer.concat(received)).some((m) => m.type === 'welcome')) tally.welcomedUnauthenticated++;
}

/** One authenticated connection (it knows the token) sending bad frames shaped for the job it was given. */
async function authenticatedBurst(port, token, rng, tally, state) {
  const session = await rawSession(port, { token, localAddress: '127.0.0.11', name: 'fuzz-auth' });
  try {
    await session.authenticated;
  } catch {
    return; // the server dropped it before the welcome (the pending caps): nothing was sent
  }
  await settle(20); // the job (when it got a slot) and the parameters arrive
  const job = session.received.find((m) => m.type === 'job');
  if (job) Object.assign(state, { shapes: job.parameterShapes, stateShapes: job.stateShapes });
  const params = session.received.filter((m) => m.type === 'params');
  const step = params.at(-1)?.step ?? 0;
  const before = session.received.length;
  const parts = [];
  for (let i = 0; i < PER_CONNECTION; i++) {
    const { kind, bytes } = malformedFrame(rng, { ...state, step });
    tally.kinds.add(`auth:${kind}`);
    parts.push(bytes);
  }
  session.socket.write(Buffer.concat(parts));
  tally.frames += PER_CONNECTION;
  tally.connections++;
  const done = await Promise.race([session.closed.then(() => true), settle(15_000).then(() => false)]);
  if (!done) {
    tally.notClosedByServer++;
    session.socket.destroy();
  }
  // After its bad frames a peer may hear an error (and a heartbeat or barrier already on the way), never new parameters.
  if (session.received.slice(before).some((m) => m.type === 'params' && m.step > step)) tally.acceptedReplies++;
}

test(`${FRAMES.toLocaleString('en')} malformed frames during a real run: no crash, none accepted, weights bitwise those of a clean run`, { timeout: 600_000 }, async (t) => {
  const deadline = Date.now() + FUZZ_BUDGET_MS;
  const outOfTime = () => t.signal.aborted || Date.now() > deadline;
  /** Fails the test (ending every loop) when the budget ran out, with what the PS last said. */
  const checkBudget = (ps, phase) => {
    if (!outOfTime()) return;
    const tail = ps.logs.slice(-25).map((l) => JSON.stringify(l)).join('\n');
    throw new Error(`the fuzz budget of ${FUZZ_BUDGET_MS / 1000} s ran out ${phase}; the PS's last log lines:\n${tail}`);
  };
  const root = mkdtempSync(join(tmpdir(), 'tf-e2e-fuzz-'));
  const token = randomBytes(32).toString('hex');
  const env = { TENSORFLEET_TOKEN: token };
  const tally = newTally();
  const rng = prng(20261201);
  const progress = setInterval(() => console.error(`fuzz progress: ${tally.frames} frames, ${tally.connections} connections, ${tally.notClosedByServer} not closed`), 5_000);
  try {
    const clean = trainedRun(join(root, 'clean'), env, async (_ps, _port, startWorkers) => startWorkers());
    const fuzzed = trainedRun(join(root, 'fuzzed'), env, async (ps, port, startWorkers) => {
      const state = { shapes: undefined };
      // First, unauthenticated fuzzers while the PS waits for its workers: all but the last 10,000 frames, which come
      // while it trains (at least that many on a loaded machine; three times as many on a quiet one).
      const loop = async (until, lane) => {
        while (!until() && !ps.closed && !outOfTime()) await unauthenticatedBurst(port, rng, tally, `127.0.0.${20 + lane}`);
      };
      await Promise.all(Array.from({ length: 8 }, (_, lane) => loop(() => tally.frames >= FRAMES - 10_000, lane)));
      checkBudget(ps, 'before the workers joined');
      console.error(`fuzz: unauthenticated phase done after ${((Date.now() - deadline + FUZZ_BUDGET_MS) / 1000).toFixed(0)} s`);
      // Then, just before the workers join, authenticated fuzzers take a worker slot one at a time, so their pushes
      // meet the member checks (shapes, finiteness, steps). One at a time for real: the next starts only once the PS
      // has freed the last one's slot. On a loaded machine the client can see its socket close before the PS has
      // processed the close, and two fuzzers in the two slots would start training with no real worker in it.
      for (let i = 0; i < 80 && !outOfTime(); i++) {
        await authenticatedBurst(port, token, rng, tally, state);
        while (!outOfTime() && fuzzersInSlots(ps) > 0) await settle(10);
      }
      checkBudget(ps, 'while authenticated fuzzers took worker slots');
      assert.ok(state.shapes, 'an authenticated fuzzer got the job before the workers joined');
      startWorkers();
      await ps.waitFor((l) => l.msg === logMessages.training, 'training to start');
      console.error(`fuzz: training started after ${((Date.now() - deadline + FUZZ_BUDGET_MS) / 1000).toFixed(0)} s`);
      // During training: authenticated fuzzers are refused a slot (all taken) and everything else is malformed.
      const training = () => ps.closed || ps.logs.some((l) => l.msg === logMessages.testEvaluation || l.msg === logMessages.epoch);
      const authLoop = async () => {
        while (!training() && !outOfTime()) await authenticatedBurst(port, token, rng, tally, state);
      };
      const before = tally.frames;
      await Promise.all([authLoop(), ...Array.from({ length: 8 }, (_, lane) => loop(training, lane))]);
      checkBudget(ps, 'before the first epoch ended');
      tally.duringTraining = tally.frames - before;
      console.error(`fuzz: ${tally.frames} frames over ${tally.connections} connections, ${tally.duringTraining} of them while training`);
    });
    const [cleanResult, fuzzedResult] = await Promise.all([clean, fuzzed]);

    assert.ok(tally.frames >= FRAMES, `sent ${tally.frames} malformed frames`);
    assert.ok(tally.duringTraining >= 5_000, `only ${tally.duringTraining} frames were sent while training`);
    assert.ok(tally.kinds.size >= 40, `kinds used: ${[...tally.kinds].join(', ')}`);
    assert.equal(tally.welcomedUnauthenticated, 0, 'no unauthenticated fuzzer was welcomed');
    assert.equal(tally.notClosedByServer, 0, 'the server closed every fuzzing connection');
    assert.equal(tally.acceptedReplies, 0, 'no malformed push produced new parameters');

    const a = readSummary(cleanResult).summary;
    const b = readSummary(fuzzedResult).summary;
    assert.equal(b.steps ?? b.history.length, a.steps ?? a.history.length);
    const wa = readCheckpointWeights(a.modelPath);
    const wb = readCheckpointWeights(b.modelPath);
    assert.deepEqual(wb.map((w) => w.name), wa.map((w) => w.name));
    wa.forEach((w, i) => assert.ok(Buffer.from(w.values.buffer).equals(Buffer.from(wb[i].values.buffer)), `weight ${w.name} differs from the clean run`));
    assert.ok(fuzzedResult.logs.filter((l) => l.msg === 'refused' || l.msg === 'refused a message; connection closed').length > 0, 'the PS logged refusals');
  } finally {
    clearInterval(progress);
    rmSync(root, { recursive: true, force: true });
  }
});
