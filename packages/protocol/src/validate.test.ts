import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeFrame, encodeFrame } from './frame.js';
import { ProtocolError } from './errors.js';
import { PROTOCOL_VERSION } from './messages.js';
import { validateMessage, type ValidationContext } from './validate.js';

const shapes = { parameterShapes: [[2, 3], [3]], stateShapes: [[3]] };
const ctx: ValidationContext = { from: 'worker', ...shapes };
const good = () => ({
  type: 'push', v: PROTOCOL_VERSION, step: 3, loss: 0.7, count: 8, correct: 5, computeMs: 2, commMs: 0,
  grads: [new Float32Array(6).fill(0.5), new Float32Array(3)], states: [new Float32Array(3)],
});

function rejection(raw: Record<string, unknown>, context = ctx): ProtocolError {
  try {
    validateMessage(decodeFrame(encodeFrame(raw as never)), context);
  } catch (e) {
    assert.ok(e instanceof ProtocolError);
    return e;
  }
  assert.fail('accepted');
}

test('a well-formed push passes and comes back with only known fields', () => {
  const msg = validateMessage(decodeFrame(encodeFrame({ ...good(), smuggled: 1 })), ctx);
  assert.equal(msg.type, 'push');
  assert.equal('smuggled' in msg, false);
});

test('unknown type, wrong direction and wrong version are named', () => {
  assert.equal(rejection({ type: 'launch-missiles', v: 2 }).code, 'unknown-type');
  const e = rejection({ type: 'params', v: PROTOCOL_VERSION, step: 0, epoch: 0, lr: 0.1, params: [], states: [] });
  assert.equal(e.code, 'unexpected-message');
  assert.match(e.message, /worker may not send "params"/);
  assert.equal(rejection({ ...good(), v: 1 }).code, 'bad-version');
});

test('wrong tensor count and wrong tensor size are bad-shape, naming the field and index', () => {
  const few = rejection({ ...good(), grads: [new Float32Array(6)] });
  assert.equal(few.code, 'bad-shape');
  assert.match(few.message, /grads: 1 tensors, the model has 2/);
  const wrong = rejection({ ...good(), grads: [new Float32Array(6), new Float32Array(4)] });
  assert.match(wrong.message, /grads\[1\]: 4 values, expected shape \[3\] = 3 values/);
  assert.equal(rejection({ ...good(), states: [] }).code, 'bad-shape');
});

test('NaN or infinite gradients and losses are non-finite, naming the position', () => {
  const g = good();
  g.grads[1]![2] = NaN;
  const e = rejection(g);
  assert.equal(e.code, 'non-finite');
  assert.match(e.message, /grads\[1\]\[2\] is NaN/);
  const h = good();
  h.states[0]![0] = Infinity;
  assert.equal(rejection(h).code, 'non-finite');
  assert.equal(rejection({ ...good(), loss: NaN }).code, 'non-finite');
});

test('bad scalar fields are named with expectation and value', () => {
  const e = rejection({ ...good(), step: -1 });
  assert.equal(e.code, 'bad-field');
  assert.match(e.message, /"push".step: expected an integer in \[0, \d+\], got number -1/);
  assert.equal(rejection({ ...good(), count: 'many' }).code, 'bad-field');
  assert.equal(rejection({ type: 'hello', v: PROTOCOL_VERSION, role: 'worker', clientNonce: new Uint8Array(3), rank: -1, runId: '', name: '' }).code, 'bad-field');
  assert.equal(rejection({ type: 'metrics', v: PROTOCOL_VERSION, step: 0, epoch: 0, split: 'bogus', loss: 1, top1: 0, top5: 0, count: 1 }).code, 'bad-field');
  const job = { type: 'job', v: PROTOCOL_VERSION, runId: 'r', rank: 2, worldSize: 2, seed: 1, step: 0, epoch: 0, stepsPerEpoch: 1, parameterShapes: [], stateShapes: [], spec: {} };
  assert.match(rejection(job, { from: 'server' }).message, /"job".rank: expected an integer in \[0, 1\]/);
  assert.equal(validateMessage({ ...job, rank: 1 }, { from: 'server' }).type, 'job');
});

test('tensors in the payload under a field that is not a tensor field of the type are refused', () => {
  // encodeFrame only moves declared tensor fields to the payload; forge a frame whose descriptor names another field.
  const push = encodeFrame(good());
  const forged = decodeFrame(push);
  const raw = { type: 'bye', v: PROTOCOL_VERSION, reason: 'x', loss: forged.grads };
  const e = (() => {
    try {
      validateMessage(raw, ctx);
    } catch (err) {
      return err as ProtocolError;
    }
    return assert.fail('accepted');
  })();
  assert.equal(e.code, 'bad-field');
  assert.match(e.message, /"bye".loss carries tensors/);
});

test('collective messages: one finite non-empty tensor, right direction, collective role in hello', () => {
  const ok = validateMessage(decodeFrame(encodeFrame({ type: 'allreduce', v: PROTOCOL_VERSION, step: 2, call: 1, values: [new Float32Array([1, 2, 3])] })), ctx);
  assert.deepEqual(ok.type === 'allreduce' && Array.from(ok.values[0]!), [1, 2, 3]);
  const two = rejection({ type: 'allreduce', v: PROTOCOL_VERSION, step: 2, call: 1, values: [new Float32Array(2), new Float32Array(2)] });
  assert.equal(two.code, 'bad-shape');
  assert.match(two.message, /"allreduce".values: expected exactly one non-empty tensor, got 2/);
  assert.equal(rejection({ type: 'allreduce', v: PROTOCOL_VERSION, step: 2, call: 1, values: [new Float32Array([NaN])] }).code, 'non-finite');
  assert.equal(rejection({ type: 'allreduce', v: PROTOCOL_VERSION, step: 2, call: -1, values: [new Float32Array(1)] }).code, 'bad-field');
  assert.equal(rejection({ type: 'reduced', v: PROTOCOL_VERSION, step: 2, call: 0, values: [new Float32Array(1)] }).code, 'unexpected-message');
  const hello = { type: 'hello', v: PROTOCOL_VERSION, role: 'collective', clientNonce: new Uint8Array(32), rank: 1, runId: 'r', name: '' };
  assert.equal(validateMessage(decodeFrame(encodeFrame(hello)), ctx).type, 'hello');
  assert.equal(rejection({ ...hello, role: 'spy' }).code, 'bad-field');
});

test('job shard layout: every parameter index owned exactly once, shard addresses are ws urls', () => {
  const job = {
    type: 'job', v: PROTOCOL_VERSION, runId: 'r', rank: 0, worldSize: 2, seed: 1, step: 0, epoch: 0, stepsPerEpoch: 3,
    parameterShapes: [[2], [3], [4]], stateShapes: [], spec: {},
  };
  const server: ValidationContext = { from: 'server' };
  const plain = validateMessage(decodeFrame(encodeFrame(job)), server);
  assert.deepEqual(plain.type === 'job' && [plain.owned, plain.shards], [[0, 1, 2], []]);
  const sharded = validateMessage(decodeFrame(encodeFrame({ ...job, owned: [1], shards: [{ url: 'ws://h:1', parameters: [0, 2] }] })), server);
  assert.deepEqual(sharded.type === 'job' && sharded.shards, [{ url: 'ws://h:1', parameters: [0, 2] }]);
  assert.match(rejection({ ...job, owned: [0, 1], shards: [{ url: 'ws://h:1', parameters: [1, 2] }] }, server).message, /every parameter index 0..2 owned exactly once/);
  assert.match(rejection({ ...job, owned: [1], shards: [{ url: 'http://h', parameters: [0, 2] }] }, server).message, /shards\[0\]\.url: expected a ws:\/\/ or wss:\/\/ address/);
  assert.match(rejection({ ...job, owned: [0, 1, 7] }, server).message, /"job".owned: expected an array of parameter indices in \[0, 2\]/);
});

test('a push claiming more right predictions than samples is refused, naming the field', () => {
  const e = rejection({ ...good(), correct: 9 });
  assert.match(e.message, /correct.*\[0, 8\].*9/);
});

test('types named like Object.prototype members are unknown types, not crashes', () => {
  for (const type of ['__proto__', 'toString', 'constructor', 'hasOwnProperty']) {
    assert.equal(rejection({ type, v: 2 }).code, 'unknown-type', type);
  }
});

test('shared-memory messages: the broadcast ring\'s path is absolute or empty, a note says which ring it names', () => {
  const server: ValidationContext = { from: 'server' };
  const offer = { type: 'shm-offer', v: PROTOCOL_VERSION, path: '/dev/shm/tensorfleet-1-ab', slotBytes: 4096, slots: 4 };
  assert.equal((validateMessage(decodeFrame(encodeFrame({ ...offer, broadcastPath: '' } as never)), server) as { broadcastPath: string }).broadcastPath, '');
  const relative = rejection({ ...offer, broadcastPath: 'tensorfleet-1-cd' }, server);
  assert.equal(relative.code, 'bad-field');
  assert.match(relative.message, /"shm-offer".broadcastPath: expected an absolute path, or empty/);
  assert.match(rejection(offer, server).message, /broadcastPath/, 'a v4 offer names its ring (or none)');
  const note = { type: 'shm-frame', v: PROTOCOL_VERSION, seq: 1, length: 4096 };
  assert.equal((validateMessage(decodeFrame(encodeFrame({ ...note, broadcast: true } as never)), server) as { broadcast: boolean }).broadcast, true);
  const unsaid = rejection({ ...note, broadcast: 1 });
  assert.equal(unsaid.code, 'bad-field');
  assert.match(unsaid.message, /"shm-frame".broadcast: expected true or false, got number 1/);
});
