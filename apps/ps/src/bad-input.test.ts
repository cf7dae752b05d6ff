import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connectProtocolClient, type ProtocolError, type ServerMessage } from '@tensorfleet/protocol';
import { runWorker } from '@tensorfleet/worker';
import { job, logger, token } from './cluster.test-util.js';
import { startParameterServer } from './parameter-server.js';

async function intruder(url: string) {
  const client = await connectProtocolClient({ url, token, reconnect: false });
  const got: ServerMessage[] = [];
  client.on('message', (m: ServerMessage) => got.push(m));
  while (!got.some((m) => m.type === 'params')) await new Promise((r) => setTimeout(r, 5));
  const jobMsg = got.find((m) => m.type === 'job')!;
  assert.ok(jobMsg.type === 'job');
  return { client, shapes: jobMsg.parameterShapes, stateShapes: jobMsg.stateShapes };
}

const zeros = (shapes: number[][]) => shapes.map((s) => new Float32Array(s.reduce((a, b) => a * b, 1)));

test('bad pushes are refused by name, the PS parameters stay unchanged, and a good worker then trains normally', async () => {
  const ps = await startParameterServer({ token, logger, workers: 1, job: job({ maxStepsPerEpoch: 3 }), scheduler: null, rejoinTimeoutMs: 30_000 });
  const before = ps.snapshot();
  const cases: [string, (s: number[][], st: number[][]) => object, RegExp][] = [
    ['NaN gradients', (s, st) => {
      const grads = zeros(s);
      grads[1]![0] = NaN;
      return { grads, states: zeros(st) };
    }, /non-finite: "push".grads\[1\]\[0\] is NaN/],
    ['wrong shapes', (s, st) => ({ grads: zeros(s).slice(1), states: zeros(st) }), /bad-shape: "push".grads: \d tensors, the model has \d/],
    ['wrong step', (s, st) => ({ grads: zeros(s), states: zeros(st), step: 7 }), /unexpected-message: got push of step 7/],
    ['oversized frame', (_s, st) => ({ grads: [new Float32Array(1_000_000)], states: zeros(st) }), /frame-too-large/],
  ];
  for (const [name, make, expected] of cases) {
    const { client, shapes, stateShapes } = await intruder(ps.url);
    const failed = once(client, 'failed');
    client.send({ type: 'push', step: 0, loss: 1, count: 8, correct: 4, computeMs: 1, commMs: 0, ...make(shapes, stateShapes) } as never);
    const [error] = (await failed) as [ProtocolError];
    assert.match(error.message, expected, name);
    const now = ps.snapshot();
    assert.equal(now.step, 0, `${name}: no step taken`);
    now.parameters.forEach((p, i) => assert.deepEqual(Array.from(p), Array.from(before.parameters[i]!), `${name}: parameter ${i} unchanged`));
  }
  await assert.rejects(connectProtocolClient({ url: ps.url, token: 'wrong', reconnect: false }), /auth-failed/);
  // the slot freed by the refused intruders is taken by a real worker; the run completes
  const worker = await runWorker({ psUrl: ps.url, token, logger });
  const summary = await ps.done;
  assert.equal(worker.steps, 3);
  assert.equal(summary.steps, 3);
  assert.notDeepEqual(Array.from(summary.parameters[0]!), Array.from(before.parameters[0]!));
});

test('a worker asked to stop finishes its current step cleanly, says bye, and the PS reports it lost', async () => {
  const ps = await startParameterServer({ token, logger, workers: 1, job: job({ maxStepsPerEpoch: 10_000 }), scheduler: null, rejoinTimeoutMs: 200 });
  const stop = new AbortController();
  const worker = runWorker({ psUrl: ps.url, token, logger, signal: stop.signal });
  while (ps.snapshot().step < 3) await new Promise((r) => setTimeout(r, 5));
  stop.abort();
  const summary = await worker;
  assert.equal(summary.ended, 'stopped');
  assert.equal(summary.steps, ps.snapshot().step, 'every pushed step was answered: none abandoned half-way');
  await assert.rejects(ps.done, /worker rank 0 lost and not back within 200 ms/);
});
