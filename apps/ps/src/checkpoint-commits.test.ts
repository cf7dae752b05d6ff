import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildModel, createOptimizer, createTrainer, presetSpec } from '@tensorfleet/core';
import { CheckpointCommits } from './checkpoint-commits.js';
import { checkpointName, commitCheckpoint, prepareCheckpoint, readLatestCheckpoint } from './checkpoint.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('checkpoint commits run one at a time in order; settled waits for all and rejects with the first failure', async () => {
  const commits = new CheckpointCommits();
  const events: string[] = [];
  const write = (name: string, ms: number, fail = false) => async () => {
    events.push(`${name} start`);
    await sleep(ms);
    events.push(`${name} end`);
    if (fail) throw new Error(`${name}: ENOSPC`);
  };
  commits.start(write('a', 30));
  commits.start(write('b', 1));
  events.push('caller goes on');
  await commits.settled();
  assert.deepEqual(events, ['caller goes on', 'a start', 'a end', 'b start', 'b end']);

  commits.start(write('c', 1, true));
  commits.start(write('d', 1));
  await assert.rejects(commits.settled(), /c: ENOSPC/);
  assert.ok(events.includes('d end'), 'a later write still runs');
  await assert.rejects(commits.settled(), /c: ENOSPC/, 'the failure stays');
});

test('a prepared checkpoint holds its step\'s bytes: the run may change everything before the commit writes it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tf-commit-'));
  try {
    const model = buildModel(presetSpec('mlp', { inputShape: [4, 4, 1], seed: 3 }));
    const trainer = createTrainer(model);
    const params = trainer.getParameters();
    const states = trainer.getStates();
    const optimizer = createOptimizer('sgd', params, { lr: 0.1, momentum: 0.9 });
    optimizer.step(params.map((p) => p.map((_, j) => (j % 5) / 10)));
    trainer.setParameters(params);
    const history = [{ epoch: 0 }];
    const expected = params.map((p) => new Float32Array(p));
    const prepared = await prepareCheckpoint(dir, model, null, {
      runId: 'r', step: 7, epoch: 1, dataSeed: 1, parameters: params, states, optimizer: optimizer.stateDict(), scheduler: null, history,
    });
    assert.equal(existsSync(join(dir, checkpointName(7))), false, 'preparing writes nothing');
    // The next epoch trains meanwhile.
    optimizer.step(params.map((p) => p.map(() => 1)));
    trainer.setParameters(params);
    history.push({ epoch: 1 });
    const path = await commitCheckpoint(prepared);
    const latest = readLatestCheckpoint(dir)!;
    assert.equal(latest.path, path);
    assert.deepEqual(latest.state.parameters, expected);
    assert.deepEqual(latest.state.history, [{ epoch: 0 }]);
    assert.notDeepEqual(expected, params, 'the parameters did move after the checkpoint was taken');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
