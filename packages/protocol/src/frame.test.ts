import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Packr } from 'msgpackr';
import { decodeFrame, encodeFrame, FRAME_HEADER_BYTES } from './frame.js';
import { ProtocolError } from './errors.js';

const grads = [Float32Array.from([1.5, -2, 3.25]), Float32Array.from([0.125]), new Float32Array(0)];
const push = { type: 'push', v: 1, step: 7, loss: 0.5, count: 32, correct: 30, computeMs: 1.25, commMs: 0, grads, states: [Float32Array.from([9])] };

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ProtocolError, `expected ProtocolError, got ${e}`);
    return e.code;
  }
  assert.fail('did not throw');
}

test('round trip keeps scalars and tensors exactly', () => {
  const back = decodeFrame(encodeFrame(push));
  assert.equal(back.type, 'push');
  assert.equal(back.step, 7);
  assert.equal(back.loss, 0.5);
  assert.deepEqual((back.grads as Float32Array[]).map((t) => Array.from(t)), grads.map((t) => Array.from(t)));
  assert.deepEqual(Array.from((back.states as Float32Array[])[0]!), [9]);
  assert.equal('tensors' in back, false);
});

test('tensors are views into the received bytes, no copy', () => {
  const frame = encodeFrame(push);
  const back = decodeFrame(frame);
  const t = (back.grads as Float32Array[])[0]!;
  assert.equal(t.buffer, frame.buffer, 'same ArrayBuffer');
  t[0] = 42; // writing through the view changes the frame: proof of no copy
  assert.equal(new Float32Array(frame.buffer, t.byteOffset, 1)[0], 42);
});

test('misaligned receive buffer is copied, values intact', () => {
  const frame = encodeFrame(push);
  const shifted = new Uint8Array(frame.length + 1);
  shifted.set(frame, 1);
  const back = decodeFrame(shifted.subarray(1));
  const t = (back.grads as Float32Array[])[0]!;
  assert.notEqual(t.buffer, shifted.buffer);
  assert.deepEqual(Array.from(t), [1.5, -2, 3.25]);
});

test('tensor payload is 4-aligned relative to the frame start', () => {
  for (let pad = 0; pad < 9; pad++) {
    const frame = encodeFrame({ ...push, extra: 'x'.repeat(pad) });
    const t = (decodeFrame(frame).grads as Float32Array[])[0]!;
    assert.equal((t.byteOffset - frame.byteOffset) % 8, 0);
  }
});

test('bad magic, version, truncation, trailing bytes and bad control are refused by name', () => {
  const frame = encodeFrame(push);
  const badMagic = Buffer.from(frame);
  badMagic.write('XXXX', 0, 'latin1');
  assert.equal(code(() => decodeFrame(badMagic)), 'bad-magic');
  const badVersion = Buffer.from(frame);
  badVersion[4] = 99;
  assert.equal(code(() => decodeFrame(badVersion)), 'bad-version');
  assert.equal(code(() => decodeFrame(frame.subarray(0, 5))), 'truncated');
  assert.equal(code(() => decodeFrame(frame.subarray(0, frame.length - 4))), 'truncated');
  assert.equal(code(() => decodeFrame(Buffer.concat([frame, Buffer.alloc(4)]))), 'bad-frame');
  const hugeControl = Buffer.from(frame);
  hugeControl.writeUInt32LE(1 << 30, 8);
  assert.equal(code(() => decodeFrame(hugeControl)), 'truncated');
  const garbage = Buffer.from(frame.subarray(0, FRAME_HEADER_BYTES + 1));
  garbage.writeUInt32LE(1, 8);
  garbage[FRAME_HEADER_BYTES] = 0xc1; // never-used msgpack byte
  assert.equal(code(() => decodeFrame(garbage)), 'bad-control');
});

test('control that is not a map with a type, or a malformed tensor descriptor, is refused', () => {
  const packr = new Packr({ useRecords: false });
  const frameOf = (control: unknown) => {
    const body = packr.pack(control);
    const header = Buffer.alloc(FRAME_HEADER_BYTES);
    header.write('TFLW', 0, 'latin1');
    header[4] = 1;
    header.writeUInt32LE(body.length, 8);
    const unpadded = Buffer.concat([header, body]);
    return Buffer.concat([unpadded, Buffer.alloc((8 - (unpadded.length % 8)) % 8)]);
  };
  assert.equal(code(() => decodeFrame(frameOf([1, 2]))), 'bad-control');
  assert.equal(code(() => decodeFrame(frameOf({ v: 1 }))), 'bad-control');
  assert.equal(code(() => decodeFrame(frameOf({ type: 'push', tensors: 'x' }))), 'bad-frame');
  assert.equal(code(() => decodeFrame(frameOf({ type: 'push', tensors: [['grads', [3]]] }))), 'bad-frame');
  assert.equal(code(() => decodeFrame(frameOf({ type: 'push', tensors: [['grads', [4]]] }))), 'truncated');
});

test('encodeFrame refuses a tensor field that is not Float32Array[]', () => {
  assert.throws(() => encodeFrame({ ...push, grads: [[1, 2]] }), /field "grads" of a "push" message must be Float32Array\[\]/);
});
