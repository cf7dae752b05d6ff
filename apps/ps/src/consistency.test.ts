import { test } from 'node:test';
import assert from 'node:assert/strict';
import { consistencyText, parseConsistency, trainConfigSchema } from '@tensorfleet/protocol';
import { consistencyRegistry } from './consistency.js';
import { StalenessGate } from './staleness-gate.js';

test('parseConsistency accepts sync, async, ssp:S and names bad input; the config field agrees with it', () => {
  assert.deepEqual(parseConsistency(undefined), { name: 'sync' });
  assert.deepEqual(parseConsistency('sync'), { name: 'sync' });
  assert.deepEqual(parseConsistency('async'), { name: 'async' });
  assert.deepEqual(parseConsistency('ssp:3'), { name: 'ssp', bound: 3 });
  assert.equal(consistencyText(parseConsistency('ssp:3')), 'ssp:3');
  for (const bad of ['ssp:-1', 'bsp', 'ssp', 'sync:1', 'ssp:1.5', 3]) {
    assert.throws(() => parseConsistency(bad), /consistency: expected "sync", "async" or "ssp:S".*got/, String(bad));
    assert.equal(trainConfigSchema.safeParse({ consistency: bad }).success, false, `the config refuses ${String(bad)} too`);
  }
  for (const good of ['sync', 'async', 'ssp:0', 'ssp:12']) {
    assert.equal(trainConfigSchema.parse({ consistency: good }).consistency, good);
    assert.ok(parseConsistency(good).name in consistencyRegistry, `${good} has a strategy`);
  }
});

test('StalenessGate holds a worker more than `bound` steps ahead of the slowest until it catches up; epoch end always passes', () => {
  const gate = new StalenessGate(2, 0, 4, 1);
  gate.pushed(0); // clocks [1, 0]
  assert.deepEqual(gate.release(), [0]);
  gate.pushed(0); // [2, 0]: 2 ahead
  assert.deepEqual(gate.release(), []);
  gate.pushed(1); // [2, 1]
  assert.deepEqual(gate.release(), [0, 1]);
  gate.pushed(0); // [3, 1]
  assert.deepEqual(gate.release(), []);
  gate.pushed(1); // [3, 2]
  assert.deepEqual(gate.release(), [0, 1]);
  gate.pushed(0); // [4, 2]: epoch done for 0, released although 2 ahead
  assert.deepEqual(gate.release(), [0]);
  gate.pushed(1);
  assert.deepEqual(gate.release(), [1]);
  assert.equal(gate.done, false);
  gate.pushed(1);
  assert.equal(gate.done, true);
});
