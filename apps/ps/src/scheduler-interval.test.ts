import { test } from 'node:test';
import assert from 'node:assert/strict';
import { job, runCluster } from './cluster.test-util.js';

test('schedulerInterval "step": the scheduler steps after every update (a warmup then StepLR counted in steps)', async () => {
  const { summary } = await runCluster({
    workers: 2,
    job: job({ maxStepsPerEpoch: 4, epochs: 3 }),
    optimizer: { name: 'sgd', options: { lr: 0.1 } },
    // 2 warmup steps from 0.05, then StepLR halving every 3 steps: per-step lrs (torch SequentialLR stepped per
    // iteration) 0.05, 0.075, 0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025, ...; each epoch line shows its first step's lr.
    scheduler: { name: 'step', options: { stepSize: 3, gamma: 0.5 } },
    warmup: { epochs: 2, startFactor: 0.5 },
    schedulerInterval: 'step',
  });
  assert.deepEqual(summary.epochs.map((e) => e.lr), [0.05, 0.1, 0.025]);
});

test('schedulerInterval "step" is refused for ReduceLROnPlateau and with parameter shards, naming the option', async () => {
  await assert.rejects(runCluster({ workers: 1, job: job(), schedulerInterval: 'step' }), /option "schedulerInterval": expected "epoch" for reduceLROnPlateau/);
  await assert.rejects(
    runCluster({ workers: 1, job: job(), scheduler: { name: 'exponential', options: { gamma: 0.9 } }, schedulerInterval: 'step', shards: ['ws://127.0.0.1:1'] }),
    /option "schedulerInterval": expected "epoch" with parameter shards/,
  );
});
