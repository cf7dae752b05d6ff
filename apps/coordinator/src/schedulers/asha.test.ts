import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AshaScheduler } from './asha.js';

test('rungs sit at r·η^k below R', () => {
  assert.deepEqual(new AshaScheduler({ reductionFactor: 3, minEpochs: 1, maxEpochs: 27, mode: 'max' }).rungEpochs, [1, 3, 9]);
  assert.deepEqual(new AshaScheduler({ reductionFactor: 2, minEpochs: 2, maxEpochs: 16, mode: 'max' }).rungEpochs, [2, 4, 8]);
  assert.deepEqual(new AshaScheduler({ reductionFactor: 3, minEpochs: 4, maxEpochs: 4, mode: 'max' }).rungEpochs, []);
  assert.throws(() => new AshaScheduler({ reductionFactor: 1, maxEpochs: 9, mode: 'max' }), /reductionFactor must be > 1, got 1/);
});

test('hand-worked example: η=3, results arrive one by one; keep the top max(1, ⌊n/3⌋) recorded so far', () => {
  // Rung 0 (epoch 1), arrivals and the hand-worked decision:
  //  t0 0.50: n=1 keep 1, rank 1 -> continue      t3 0.90: n=4 keep 1, rank 1 -> continue
  //  t1 0.70: n=2 keep 1, rank 1 -> continue      t4 0.40: n=5 keep 1, rank 5 -> stop
  //  t2 0.60: n=3 keep 1, rank 2 -> stop          t5 0.80: n=6 keep 2, rank 2 -> continue
  // Rung 1 (epoch 3): t0 0.55 (n=1) continue; t1 0.75 (n=2, rank 1) continue; t3 0.72 (n=3, keep 1, rank 2) stop;
  //  t5 0.95 (n=4, keep 1, rank 1) continue.
  const asha = new AshaScheduler({ reductionFactor: 3, minEpochs: 1, maxEpochs: 9, mode: 'max' });
  const at = (trial: number, epoch: number, value: number) => asha.onEpoch(trial, epoch, value);
  const expectRung0: [number, number, 'continue' | 'stop', number, number][] = [
    [0, 0.5, 'continue', 1, 1], [1, 0.7, 'continue', 1, 1], [2, 0.6, 'stop', 2, 1],
    [3, 0.9, 'continue', 1, 1], [4, 0.4, 'stop', 5, 1], [5, 0.8, 'continue', 2, 2],
  ];
  for (const [trial, value, decision, rank, keep] of expectRung0) {
    const d = at(trial, 1, value);
    assert.equal(d.action, decision, `trial ${trial}`);
    assert.deepEqual([d.record?.rank, d.record?.keep], [rank, keep], `trial ${trial}`);
  }
  assert.equal(at(0, 2, 0.52).action, 'continue'); // not a rung
  assert.equal(at(0, 3, 0.55).action, 'continue');
  assert.equal(at(1, 3, 0.75).action, 'continue');
  assert.equal(at(3, 3, 0.72).action, 'stop');
  assert.equal(at(5, 3, 0.95).action, 'continue');
  assert.equal(at(5, 9, 0.97).action, 'continue'); // R is the end, not a rung
  assert.deepEqual(asha.records().filter((r) => r.decision === 'stop').map((r) => [r.trialId, r.rung]), [[2, 0], [4, 0], [3, 1]]);
});

test('min mode ranks lower as better; a non-finite value ranks last', () => {
  const asha = new AshaScheduler({ reductionFactor: 2, minEpochs: 1, maxEpochs: 4, mode: 'min' });
  assert.equal(asha.onEpoch(0, 1, 0.3).action, 'continue');
  assert.equal(asha.onEpoch(1, 1, 0.2).action, 'continue'); // n=2, keep 1, rank 1
  assert.equal(asha.onEpoch(2, 1, Number.NaN).action, 'stop');
  assert.equal(asha.onEpoch(3, 1, 0.25).action, 'continue'); // n=4, keep 2, rank 2
  assert.equal(asha.onEpoch(4, 1, 0.35).action, 'stop'); // n=5, keep 2, rank 4 (NaN is not better)
});

test('a replayed epoch gets its recorded decision; restore rebuilds the rung from records', () => {
  const asha = new AshaScheduler({ reductionFactor: 3, minEpochs: 1, maxEpochs: 9, mode: 'max' });
  asha.onEpoch(0, 1, 0.9);
  assert.equal(asha.onEpoch(1, 1, 0.8).action, 'stop'); // n=2, keep 1, rank 2
  const before = asha.onEpoch(2, 1, 0.1);
  assert.equal(before.action, 'stop');
  assert.deepEqual(asha.onEpoch(2, 1, 0.99), before); // restarted trial replays epoch 1: same decision, no new record
  assert.equal(asha.records().length, 3);
  const resumed = new AshaScheduler({ reductionFactor: 3, minEpochs: 1, maxEpochs: 9, mode: 'max' });
  resumed.restore(asha.records());
  assert.equal(resumed.onEpoch(0, 1, 0.0).action, 'continue'); // its recorded decision, not a re-rank
  assert.equal(resumed.onEpoch(1, 1, 1.0).action, 'stop');
  const fresh = resumed.onEpoch(3, 1, 0.85); // n=4, keep 1, rank 2 against the restored records
  assert.deepEqual([fresh.action, fresh.record?.seen, fresh.record?.rank], ['stop', 4, 2]);
});
