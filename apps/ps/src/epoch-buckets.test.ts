import test from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { Peer } from '@tensorfleet/protocol';
import { bucketByEpoch, epochBucketWidth, maxEpochPoints } from './epoch-buckets.js';
import { RunMonitor, type MonitoredRun } from './metrics.js';

test('the bucket width is the smallest power of two that fits the epochs in maxEpochPoints points', () => {
  assert.equal(epochBucketWidth(1), 1);
  assert.equal(epochBucketWidth(maxEpochPoints), 1);
  assert.equal(epochBucketWidth(maxEpochPoints + 1), 2);
  assert.equal(epochBucketWidth(1000), 8);
  assert.equal(epochBucketWidth(100_000), 1024);
  const buckets = bucketByEpoch(Array.from({ length: 1000 }, (_, epoch) => ({ epoch })).reverse(), (l) => l.epoch, 1000);
  assert.equal(buckets.length, 125);
  assert.deepEqual(buckets[0]!.map((l) => l.epoch).sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7]);
  assert.deepEqual(buckets.at(-1)!.map((l) => l.epoch).sort((a, b) => a - b), [992, 993, 994, 995, 996, 997, 998, 999]);
});

/** A worker connection as the monitor sees it: its hello, its socket's frames, its messages. */
function peerNamed(name: string): Peer {
  const peer = Object.assign(new EventEmitter(), {
    hello: { role: 'worker', name, rank: -1, runId: '' }, remoteAddress: '::ffff:127.0.0.1:40000', socket: new EventEmitter(), isOpen: true,
  });
  return peer as unknown as Peer;
}

test('a long run keeps at most maxEpochPoints epoch buckets per worker, with step-weighted means that match the whole run', () => {
  const peers = [peerNamed('a'), peerNamed('b')];
  const run = { step: 0, epoch: 0, epochsPlanned: 5000, lr: 0.1, history: [], slots: peers, stalenessOf: () => 0 } satisfies MonitoredRun;
  const monitor = new RunMonitor(() => run);
  for (const peer of peers) monitor.watchPeer(peer);
  const epochs = 1000;
  let sumCompute = 0;
  for (let epoch = 0; epoch < epochs; epoch++) {
    run.epoch = epoch;
    for (let s = 0; s < 1 + (epoch % 3); s++, run.step++) {
      peers.forEach((peer, rank) => {
        const computeMs = rank === 0 ? epoch : 2 * epoch; // a different value each epoch: merging must weight by steps
        if (rank === 0) sumCompute += computeMs;
        peer.emit('message', { type: 'push', step: run.step, count: 8, computeMs, commMs: 1 });
      });
    }
  }
  const times = monitor.workerEpochs();
  const width = epochBucketWidth(epochs);
  assert.equal(times.length, 2 * Math.ceil(epochs / width), 'one bucket per rank per `width` epochs');
  assert.ok(times.length <= 2 * maxEpochPoints);
  const rank0 = times.filter((t) => t.rank === 0);
  assert.deepEqual(rank0.map((t) => [t.epoch, t.lastEpoch]).slice(0, 2), [[0, width - 1], [width, 2 * width - 1]]);
  assert.equal(rank0.at(-1)!.lastEpoch, epochs - 1);
  const steps = rank0.reduce((s, t) => s + t.steps, 0);
  assert.equal(steps, run.step, 'every step is counted once');
  const weighted = rank0.reduce((s, t) => s + t.computeMs * t.steps, 0);
  assert.ok(Math.abs(weighted - sumCompute) < 1e-6 * sumCompute, `step-weighted compute ${weighted} vs ${sumCompute}`);
  for (const t of times.filter((x) => x.rank === 1)) assert.ok(t.computeMs > 0 && t.commMs === 1);
});
