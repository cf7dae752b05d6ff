import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConsistency, StalenessGate } from './consistency.js';

test('parseConsistency accepts sync, async, ssp:S and names bad input', () => {
  assert.deepEqual(parseConsistency(undefined), { kind: 'sync' });
  assert.deepEqual(parseConsistency('async'), { kind: 'async' });
  assert.deepEqual(parseConsistency('ssp:3'), { kind: 'ssp', bound: 3 });
  assert.throws(() => parseConsistency('ssp:-1'), /consistency: expected "sync", "async" or "ssp:S".*got "ssp:-1"/);
  assert.throws(() => parseConsistency('bsp'), /got "bsp"/);
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
