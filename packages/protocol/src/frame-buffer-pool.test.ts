import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FrameBufferPool } from './frame-buffer-pool.js';

test('a buffer given back is reused by a later take that fits; a foreign one, or one given twice, is not taken', () => {
  const pool = new FrameBufferPool(2);
  const a = pool.take(1000);
  assert.equal(a.length, 1000);
  assert.equal(a.byteOffset, 0, 'the frame starts at its ArrayBuffer\'s start (8-aligned)');
  assert.notEqual(pool.take(1000).buffer, a.buffer, 'not given back: a new one');
  assert.equal(pool.give(new ArrayBuffer(1000)), false, 'not one of the pool\'s');
  assert.equal(pool.give(undefined), false);
  assert.equal(pool.give(a.buffer), true);
  assert.equal(pool.give(a.buffer), false, 'given back twice: counted once');
  assert.notEqual(pool.take(2000).buffer, a.buffer, 'too small for 2000 bytes');
  const b = pool.take(600);
  assert.equal(b.buffer, a.buffer, 'a smaller frame reuses it');
  assert.equal(b.length, 600);
  assert.notEqual(pool.take(600).buffer, a.buffer, 'lent again: not handed out twice');
});

test('at most maxFree buffers wait for reuse; the oldest beyond that is left to the collector', () => {
  const pool = new FrameBufferPool(2);
  const taken = [pool.take(10), pool.take(10), pool.take(10)];
  taken.forEach((t) => assert.equal(pool.give(t.buffer), true));
  const again = [pool.take(10), pool.take(10), pool.take(10)].map((t) => t.buffer);
  assert.ok(!again.includes(taken[0]!.buffer), 'the oldest given back was dropped');
  assert.ok(again.includes(taken[1]!.buffer) && again.includes(taken[2]!.buffer));
});
