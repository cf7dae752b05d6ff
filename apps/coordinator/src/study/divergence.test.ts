import assert from 'node:assert/strict';
import { test } from 'node:test';
import { divergenceReason } from './divergence.js';

test('NaN or infinite losses and exploding losses are divergence; a normal epoch is not', () => {
  assert.equal(divergenceReason({ loss: 0.4, valLoss: 0.5 }, 2.3, 10), null);
  assert.equal(divergenceReason({ loss: Number.NaN }, 2.3, 10), 'loss is NaN');
  assert.equal(divergenceReason({ loss: 0.4, valLoss: Number.POSITIVE_INFINITY }, 2.3, 10), 'valLoss is Infinity');
  assert.match(divergenceReason({ loss: 24 }, 2.3, 10)!, /loss 24 exploded past 10 x the first epoch loss 2.3/);
  assert.equal(divergenceReason({ loss: 22 }, 2.3, 10), null);
  assert.equal(divergenceReason({ valAccuracy: 0.5 }, null, 10), null); // a trial reporting no loss cannot explode
});
