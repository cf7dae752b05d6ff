import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeFrame } from './frame.js';
import { PROTOCOL_VERSION } from './messages.js';
import { PayloadScan } from './payload-scan.js';

/** A push frame copied to offset 8 of its own buffer, as RecordRing.read lays it out. */
function pushFrame(grads: Float32Array[]): Uint8Array {
  const encoded = encodeFrame({ type: 'push', v: PROTOCOL_VERSION, step: 1, loss: 0.5, count: 4, correct: 1, computeMs: 1, commMs: 0, grads, states: [] });
  const record = Buffer.alloc(12 + encoded.length);
  encoded.copy(record, 8);
  return record.subarray(8, 8 + encoded.length);
}

/** Feeds `frame` in pieces of `piece` bytes (odd sizes: pieces end inside float32s), as a chunked read would. */
function scanned(frame: Uint8Array, piece: number, upTo = frame.length): PayloadScan {
  const scan = new PayloadScan();
  for (let available = Math.min(piece, upTo); ; available = Math.min(available + piece, upTo)) {
    scan.feed(frame, available);
    if (available === upTo) return scan;
  }
}

const big = (n: number, at = -1, value = NaN) => Float32Array.from({ length: n }, (_, i) => (i === at ? value : Math.sin(i)));

test('a payload of finite float32s read in pieces is all finite; one NaN or Infinity anywhere, or a frame not read to its end, is not', () => {
  const good = pushFrame([big(30_000), big(7)]);
  for (const piece of [5, 4096, 65_536, good.length]) assert.equal(scanned(good, piece).allFinite(good.length), true, `pieces of ${piece}`);
  for (const [k, at, value] of [[0, 0, NaN], [0, 29_999, Infinity], [1, 6, -Infinity]] as const) {
    const grads = [big(30_000), big(7)];
    grads[k]![at] = value;
    const frame = pushFrame(grads);
    assert.equal(scanned(frame, 4093).allFinite(frame.length), false, `${value} at grads[${k}][${at}]`);
  }
  assert.equal(scanned(good, 4096, good.length - 4).allFinite(good.length), false, 'the last value never came');
  assert.equal(new PayloadScan().allFinite(good.length), false, 'nothing read, nothing known');
});
