import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connectProtocolClient, type ServerMessage } from '@tensorfleet/protocol';
import { captureLogger, job, runCluster, smallMlp, token } from './cluster.test-util.js';
import { startParameterServer } from './parameter-server.js';

test('ssp:1 with a slow worker: no worker ever starts a step more than 1 ahead of the slowest; staleness logged and bounded', async () => {
  const W = 3, bound = 1, stepsPerEpoch = 10, epochs = 2;
  const lines: Record<string, unknown>[] = [];
  const ps = await startParameterServer({
    token, workers: W, logger: captureLogger(lines), consistency: `ssp:${bound}`, scheduler: null,
    job: job({ maxStepsPerEpoch: stepsPerEpoch, epochs }),
  });
  const sent = new Array(W).fill(0); // pushes each fake worker has sent
  const violations: string[] = [];
  let observedMaxLead = 0;
  const fakeWorker = async (delayMs: number) => {
    const client = await connectProtocolClient({ url: ps.url, token, reconnect: false });
    return new Promise<number>((resolve, reject) => {
      let rank = -1, shapes: number[][] = [], clock = 0, pushed = -1, end = 0, training = false;
      const maybePush = () => {
        if (!training || clock >= end || clock <= pushed) return;
        pushed = clock;
        const step = clock;
        setTimeout(() => {
          sent[rank] = step + 1;
          client.send({ type: 'push', step, loss: 1, count: 8, correct: 4, computeMs: 1, commMs: 0, grads: shapes.map((s) => new Float32Array(s.reduce((a, b) => a * b, 1))), states: [] });
        }, delayMs);
      };
      client.on('failed', reject);
      client.on('message', (m: ServerMessage) => {
        if (m.type === 'job') {
          rank = m.rank;
          shapes = m.parameterShapes;
          client.shapes = { parameterShapes: m.parameterShapes, stateShapes: m.stateShapes };
        } else if (m.type === 'params') {
          if (training && m.step < end) {
            const lead = m.step - Math.min(...sent);
            observedMaxLead = Math.max(observedMaxLead, lead);
            if (lead > bound) violations.push(`rank ${rank} allowed to compute step ${m.step} while the slowest had pushed ${Math.min(...sent)}`);
          }
          clock = m.step;
          maybePush();
        } else if (m.type === 'barrier') {
          if (m.action === 'stop') return resolve(rank);
          training = m.action === 'train';
          end = (m.epoch + 1) * stepsPerEpoch;
          maybePush();
        } else if (m.type === 'bye') resolve(rank);
      });
    });
  };
  const [summary] = await Promise.all([ps.done, fakeWorker(0), fakeWorker(0), fakeWorker(25)]);
  assert.deepEqual(violations, []);
  assert.equal(observedMaxLead, bound, 'the fast workers did run ahead up to the bound');
  const applied = lines.filter((l) => l.msg === 'gradient applied');
  assert.equal(applied.length, W * stepsPerEpoch * epochs, 'every push applied exactly once');
  assert.equal(summary.updates, W * stepsPerEpoch * epochs);
  const staleness = applied.map((l) => l.staleness as number);
  assert.ok(staleness.every((s) => Number.isInteger(s) && s >= 0 && s <= (W - 1) * (2 * bound + 1)), `staleness ${staleness.join(',')}`);
  assert.ok(Math.max(...staleness) > 0, 'some gradients were stale');
  for (let r = 0; r < W; r++) {
    const steps = applied.filter((l) => l.rank === r).map((l) => l.step);
    assert.deepEqual(steps, [...Array(stepsPerEpoch * epochs).keys()], `rank ${r} steps applied in order, none twice or lost`);
  }
  const epochLines = lines.filter((l) => l.msg === 'epoch');
  assert.equal(epochLines.length, epochs);
  assert.ok(epochLines.every((l) => l.consistency === 'ssp' && l.updates === W * stepsPerEpoch && typeof l.stalenessMax === 'number'));
});

// Momentum 0.9 on top of asynchrony overshoots (staleness acts as extra momentum): with lr 0.05/momentum 0.9 this job
// reaches ~0.74 async against ~0.92 sync; plain SGD at lr 0.1 reaches ~0.91 async.
test('async SGD with 2 workers converges on the MNIST digits MLP (val top-1 > 0.88 after 2 short epochs)', async (t) => {
  const { summary, workerSummaries } = await runCluster({
    workers: 2, consistency: 'async', scheduler: null, optimizer: { name: 'sgd', options: { lr: 0.1, momentum: 0 } },
    job: job({ model: smallMlp({ units: 64 }), batchSize: 32, epochs: 2, maxStepsPerEpoch: 60, evaluateVal: true, evalBatchSize: 1000 }),
  });
  assert.equal(summary.updates, 2 * 2 * 60);
  assert.ok(workerSummaries.every((w) => w.steps === 120));
  const last = summary.epochs.at(-1)!;
  t.diagnostic(`async: val top-1 ${last.val!.top1.toFixed(4)}, staleness max ${last.staleness.max} mean ${last.staleness.mean.toFixed(2)}`);
  assert.ok(last.val!.top1 > 0.88, `val top-1 ${last.val!.top1}`);
  assert.ok(summary.epochs[1]!.trainLoss < summary.epochs[0]!.trainLoss);
});

test('bad consistency, elastic and shard option combinations are named', async () => {
  await assert.rejects(startParameterServer({ token, workers: 1, job: job(), elastic: true, shards: ['ws://127.0.0.1:1'] }), /option "elastic": expected no parameter shards/);
  await assert.rejects(startParameterServer({ token, workers: 1, job: job(), elastic: true, consistency: 'async' }), /option "elastic": expected sync consistency/);
  await assert.rejects(startParameterServer({ token, workers: 1, job: job(), shards: ['ws://127.0.0.1:1'], consistency: 'ssp:2' }), /option "consistency": expected "sync" with parameter shards/);
  await assert.rejects(startParameterServer({ token, workers: 1, job: job(), elastic: true, heartbeatTimeoutMs: 100 }), /option "heartbeatTimeoutMs": expected a number ≥ 300 in an elastic run/);
  await assert.rejects(startParameterServer({ token, workers: 1, job: job(), shards: ['http://x'] }), /option "shards": expected an array of ws:\/\/ or wss:\/\/ shard addresses/);
  await assert.rejects(startParameterServer({ token, workers: 1, job: job(), consistency: 'ssp:x' }), /option "consistency": expected "sync", "async" or "ssp:S".*got "ssp:x"/);
  await assert.rejects(
    startParameterServer({ token, workers: 1, job: job({ bn: 'sync' }), consistency: 'async' }),
    /option "consistency": expected "sync" with job.bn "sync"/,
  );
});
