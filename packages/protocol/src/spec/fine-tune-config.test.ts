import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveTrainConfig, trainConfigProblems } from './index.js';

test('init, scheduler.warmup and scheduler.interval: defaults filled, bad values named by field', () => {
  const config = resolveTrainConfig(
    { init: { from: 'runs/base', freeze: 'all-but-head' }, scheduler: { name: 'cosine', tMax: 4, warmup: { epochs: 2 } } }, 'test', '/data/jobs',
  );
  assert.deepEqual(config.init, { from: '/data/jobs/runs/base', freeze: 'all-but-head', newHead: false }, 'init.from resolves against the config folder');
  assert.deepEqual(config.scheduler, { name: 'cosine', tMax: 4, etaMin: 0, warmup: { epochs: 2, startFactor: 1 / 3 }, interval: 'epoch' });
  assert.deepEqual(trainConfigProblems({ init: { from: 'x', freeze: 'all' } }), ["init.freeze: expected a list of layer names or 'all-but-head'"]);
  assert.deepEqual(trainConfigProblems({ init: { form: 'x' } }), ['init: Unrecognized key: "form"']);
  assert.deepEqual(trainConfigProblems({ scheduler: { name: 'step', stepSize: 2, warmup: { epochs: 0 } } }), ['scheduler.warmup.epochs: Too small: expected number to be >=1']);
  assert.deepEqual(trainConfigProblems({ scheduler: { interval: 'step' } }), ["scheduler.interval: 'step' is not for reduceLROnPlateau, which steps on the validation loss at epoch ends"]);
  assert.deepEqual(trainConfigProblems({ scheduler: { name: 'exponential', gamma: 0.9, interval: 'step' }, psShards: 2 }), ["scheduler.interval: 'step' needs psShards 1 (shards learn the lr at epoch starts)"]);
  assert.deepEqual(trainConfigProblems({ scheduler: { name: 'none', warmup: { epochs: 3, startFactor: 0.1 }, interval: 'step' } }), []);
});
