import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeMessage, decodeMessage } from './codec.js';
import { TensorFrameWriter } from './frame-writer.js';

const gradSizes = [3, 1000, 7];
const stateSizes = [2];
const fill = (sizes: number[], seed: number) => sizes.map((n) => Float32Array.from({ length: n }, (_, i) => Math.sin(seed + i)));

test('TensorFrameWriter: frames are byte for byte what encodeMessage makes, and decode to the values written in place', () => {
  const writer = new TensorFrameWriter('push', { grads: gradSizes, states: stateSizes });
  for (const seed of [1, 2]) {
    const grads = fill(gradSizes, seed);
    const states = fill(stateSizes, -seed);
    const scalars = { step: 10 + seed, loss: 2.5, count: 32, correct: 7, computeMs: 51.25, commMs: 3 };
    const f = writer.begin();
    f.tensors.grads!.forEach((view, k) => view.set(grads[k]!));
    f.tensors.states![0]!.set(states[0]!);
    const frame = f.seal(scalars);
    const reference = encodeMessage({ type: 'push', ...scalars, grads, states });
    assert.equal(Buffer.compare(frame, reference), 0, `seed ${seed}: same bytes`);
    const m = decodeMessage(frame, true, { from: 'worker', parameterShapes: gradSizes.map((n) => [n]), stateShapes: [[2]] });
    assert.equal(m.type, 'push');
    if (m.type === 'push') assert.deepEqual(Array.from(m.grads[1]!), Array.from(grads[1]!));
    f.done();
  }
});

test('TensorFrameWriter reuses a buffer only once every send has released it', () => {
  const writer = new TensorFrameWriter('params', { params: [4], states: [] });
  const a = writer.begin();
  a.seal({ step: 1, epoch: 0, lr: 0.1 });
  const release = a.hold();
  a.done();
  const b = writer.begin(); // a's frame is still being written: another buffer
  assert.notEqual(b.tensors.params![0]!.buffer, a.tensors.params![0]!.buffer);
  b.seal({ step: 2, epoch: 0, lr: 0.1 });
  b.done();
  release();
  release(); // a second call is ignored
  const c = writer.begin();
  const d = writer.begin();
  assert.notEqual(c.tensors.params![0]!.buffer, d.tensors.params![0]!.buffer, 'two frames in progress never share a buffer');
  assert.throws(() => d.hold(), /hold\(\) before seal\(\)/);
  assert.throws(() => new TensorFrameWriter('push', { grads: [1] }), /needs field "states"/);
});
