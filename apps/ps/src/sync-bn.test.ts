import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { batchNorm } from '@tensorfleet/core';
import { assertClose as closeTo, bnTrainingStep as trainingStep } from '@tensorfleet/core/testing';
import { createProtocolServer, type Peer } from '@tensorfleet/protocol';
import { CollectiveHub } from './collective-hub.js';
import { logger, token } from './cluster.test-util.js';
import { buildWith, type ReplicaInput, type ReplicaStep } from './sync-bn-replica.test-util.js';

const replicaScript = new URL('./sync-bn-replica.test-util.js', import.meta.url);

/** The project's float32 bar (rtol 1e-5) with an atol for values near zero. */
const assertClose = (actual: ArrayLike<number>, expected: ArrayLike<number>, label: string): void =>
  closeTo(actual, expected, { rtol: 1e-5, atol: 1e-6, label });

function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
}

/** A hub on a real protocol server: the parameter server's collective endpoint alone. */
async function startHub(worldSize: number) {
  const server = await createProtocolServer({ token, maxPayload: 1 << 20 });
  const hub = new CollectiveHub(worldSize, logger);
  server.on('peer', (peer: Peer) => hub.attach(peer.hello.rank, peer));
  return { server, hub };
}

type ReplicaOutcome = { results: ReplicaStep[]; error: string | null; ms: number };
function runReplica(input: ReplicaInput): Promise<ReplicaOutcome> {
  return new Promise((resolve, reject) => {
    const w = new Worker(replicaScript, { workerData: input });
    w.once('message', resolve);
    w.once('error', reject);
  });
}

const C = 3;
const rowShape = [2, 2, C]; // NHWC: every replica row holds 4 positions of C channels

for (const W of [2, 4]) {
  test(`SyncBN over ${W} threads through the real blocking collective == BatchNorm on the concatenated batch (y, dx, dγ, dβ, running stats; 2 steps)`, async () => {
    const b = 3;
    const rand = random(W);
    const perRow = rowShape.reduce((a, c) => a * c, 1);
    const steps = [0, 1].map(() => ({
      x: Array.from({ length: W * b * perRow }, () => 2 * rand() + 0.5),
      dy: Array.from({ length: W * b * perRow }, () => rand()),
    }));
    const gamma = Array.from({ length: C }, () => 1 + 0.5 * rand());
    const beta = Array.from({ length: C }, () => rand());
    const { server, hub } = await startHub(W);
    try {
      const outcomes = await Promise.all(
        Array.from({ length: W }, (_, rank) =>
          runReplica({
            url: server.url, token, runId: 'r', rank, shape: [b, ...rowShape], momentum: 0.1, gamma, beta, timeoutMs: 10_000,
            steps: steps.map((s) => ({ x: s.x.slice(rank * b * perRow, (rank + 1) * b * perRow), dy: s.dy.slice(rank * b * perRow, (rank + 1) * b * perRow) })),
          }),
        ),
      );
      outcomes.forEach((o, r) => assert.equal(o.error, null, `rank ${r}: ${o.error}`));
      assert.equal(hub.completed, 2 * 2, 'two allreduce rounds (forward, backward) per step');
      const reference = batchNorm({ momentum: 0.1 });
      buildWith(reference, [W * b, ...rowShape], gamma, beta);
      steps.forEach((s, i) => {
        const ref = trainingStep(reference, [W * b, ...rowShape], s.x, s.dy);
        const label = (what: string) => `W=${W} step ${i} ${what}`;
        assertClose(outcomes.flatMap((o) => Array.from(o.results[i]!.y)), ref.y, label('y'));
        assertClose(outcomes.flatMap((o) => Array.from(o.results[i]!.dx)), ref.dx, label('dx'));
        const sumOver = (key: 'dgamma' | 'dbeta') => Array.from({ length: C }, (_, c) => outcomes.reduce((t, o) => t + o.results[i]![key][c]!, 0));
        assertClose(sumOver('dgamma'), ref.dgamma, label('Σ dγ'));
        assertClose(sumOver('dbeta'), ref.dbeta, label('Σ dβ'));
        for (const o of outcomes) {
          assertClose(o.results[i]!.runningMean, ref.runningMean, label('running mean'));
          assertClose(o.results[i]!.runningVar, ref.runningVar, label('running var'));
        }
      });
    } finally {
      await server.close();
    }
  });
}

function deadPeerCase(lingerMs: number, timeoutMs: number) {
  return async () => {
    const b = 2;
    const perRow = rowShape.reduce((a, c) => a * c, 1);
    const rand = random(9);
    const slice = () => ({ x: Array.from({ length: b * perRow }, rand), dy: Array.from({ length: b * perRow }, rand) });
    const { server } = await startHub(2);
    try {
      const common = { url: server.url, token, runId: 'r', shape: [b, ...rowShape], momentum: 0.1, gamma: [1, 1, 1], beta: [0, 0, 0], timeoutMs };
      const [survivor, dead] = await Promise.all([
        runReplica({ ...common, rank: 0, steps: [slice(), slice(), slice()] }),
        runReplica({ ...common, rank: 1, steps: [slice(), slice(), slice()], dieAtStep: 1, lingerMs }),
      ]);
      assert.equal(dead.results.length, 1);
      assert.equal(survivor.results.length, 1, 'step 0 went through, step 1 could not');
      return survivor;
    } finally {
      await server.close();
    }
  };
}

test('a stalled peer: the blocked allreduce throws a clear timeout error naming step and call (no hang)', async () => {
  const survivor = await deadPeerCase(2500, 800)();
  assert.match(survivor.error ?? '', /collective allreduce \(step 1, call 0, 7 values\): no answer within 800 ms — a peer worker died or stalled/);
  assert.ok(survivor.ms < 800 + 1500, `failed after ${survivor.ms.toFixed(0)} ms`);
});

test('a peer that dies mid-step: the survivor fails at once, well within its timeout', async () => {
  const survivor = await deadPeerCase(300, 20_000)();
  assert.match(survivor.error ?? '', /step 1, call 0.*rank 1's collective connection closed while allreduce of step 1, call 0 waited for it/);
  assert.ok(survivor.ms < 5000, `failed after ${survivor.ms.toFixed(0)} ms`);
});
