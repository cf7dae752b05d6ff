// Malformed frames for the fuzz test: every way a peer can get a frame wrong, from random bytes to a well-formed push
// of the wrong step. Deterministic from a seed so a failure can be replayed.
import { mulberry32 } from '@tensorfleet/core';
import { encodeFrame, encodeMessage } from '@tensorfleet/protocol';
import { wsFrame } from './raw-ws.js';

/** The seeded PRNG of the fuzz (core's mulberry32): uniform in [0, 1). */
export const prng = mulberry32;

const bytesOf = (rng, n) => Buffer.from(Array.from({ length: n }, () => Math.floor(rng() * 256)));
const pick = (rng, list) => list[Math.floor(rng() * list.length)];

/** A push that is well formed for `shapes` (finite, right sizes) at `step`: only its step or one value may be wrong. */
function push(shapes, step, { poison, stateShapes = [] } = {}) {
  const filled = (list, value) => list.map((s) => new Float32Array(s.reduce((a, b) => a * b, 1)).fill(value));
  const grads = filled(shapes, 0.001);
  if (poison !== undefined && grads.length) grads[grads.length - 1][0] = poison;
  return { type: 'push', step, loss: 0.5, count: 1, correct: 0, computeMs: 1, commMs: 0, grads, states: filled(stateShapes, 1) };
}

/**
 * Frame makers by kind. Each returns the bytes of one complete websocket frame (or, for the ws-level kinds, a frame
 * the websocket layer itself must refuse). `ctx.shapes` are the model's parameter shapes when known.
 */
export const MALFORMED = {
  'random-bytes': (rng) => wsFrame(bytesOf(rng, Math.floor(rng() * 600))),
  'truncated-header': (rng) => wsFrame(encodeMessage({ type: 'pull' }).subarray(0, Math.floor(rng() * 12))),
  'bad-magic': () => {
    const f = encodeMessage({ type: 'pull' });
    f[0] ^= 0xff;
    return wsFrame(f);
  },
  'bad-version': (rng) => {
    const f = encodeMessage({ type: 'pull' });
    f[4] = 2 + Math.floor(rng() * 250);
    return wsFrame(f);
  },
  'control-overrun': (rng) => {
    const f = encodeMessage({ type: 'heartbeat', time: 1 });
    f.writeUInt32LE(f.length + 1 + Math.floor(rng() * 1e9), 8);
    return wsFrame(f);
  },
  'bad-msgpack': (rng) => {
    const junk = bytesOf(rng, 1 + Math.floor(rng() * 40));
    const head = Buffer.alloc(12);
    Buffer.from('TFLW', 'latin1').copy(head);
    head[4] = 1;
    head.writeUInt32LE(junk.length, 8);
    return wsFrame(Buffer.concat([head, junk, Buffer.alloc((8 - ((12 + junk.length) % 8)) % 8)]));
  },
  'unknown-type': (rng) => wsFrame(encodeFrame({ type: pick(rng, ['launch', '', 'PUSH', 'push ', '__proto__']), v: 2 })),
  'non-string-type': (rng) => wsFrame(encodeFrame({ type: pick(rng, [7, null, true, ['push']]), v: 2 })),
  'server-only-type': (rng) => wsFrame(encodeMessage(pick(rng, [
    { type: 'welcome', sessionId: 'x', proof: new Uint8Array(32) },
    { type: 'barrier', step: 0, epoch: 0, action: 'stop' },
    { type: 'params', step: 0, epoch: 0, lr: 1, params: [], states: [] },
  ]))),
  'wrong-version-field': (rng) => wsFrame(encodeFrame({ type: 'pull', v: pick(rng, [0, 1, 3, -1, 'two', null]) })),
  'wrong-field-types': (rng) => wsFrame(encodeFrame({ ...push([[2]], 0), v: 2, [pick(rng, ['step', 'loss', 'count', 'correct'])]: pick(rng, ['1', -5, 1.5, null, [], {}]) })),
  'tensor-in-scalar-field': () => wsFrame(encodeFrame({ type: 'bye', v: 2, reason: [new Float32Array(2)] })),
  'wrong-lengths': (rng) => {
    const f = encodeMessage(push([[3]], 0));
    const kind = Math.floor(rng() * 3);
    if (kind === 0) return wsFrame(f.subarray(0, f.length - 4)); // declares more bytes than it has
    if (kind === 1) return wsFrame(Buffer.concat([f, Buffer.alloc(8)])); // trailing bytes
    return wsFrame(encodeFrameWithLengths(f, rng)); // a byte length that is not a multiple of 4
  },
  'wrong-shapes': (rng, ctx) => {
    const shapes = ctx.shapes ?? [[4]];
    const wrong = rng() < 0.5 ? shapes.slice(0, -1) : shapes.map((s, i) => (i === 0 ? [s.reduce((a, b) => a * b, 1) + 1] : s));
    return wsFrame(encodeMessage(push(wrong, ctx.step ?? 0, ctx)));
  },
  nan: (rng, ctx) => wsFrame(encodeMessage(push(ctx.shapes ?? [[4]], ctx.step ?? 0, { ...ctx, poison: pick(rng, [NaN, Infinity, -Infinity]) }))),
  'nan-state': (rng, ctx) => {
    const m = push(ctx.shapes ?? [[4]], ctx.step ?? 0, ctx);
    if (m.states.length) m.states[0][0] = pick(rng, [NaN, Infinity]);
    else m.loss = Infinity;
    return wsFrame(encodeMessage(m));
  },
  'nan-loss': (rng, ctx) => wsFrame(encodeMessage({ ...push(ctx.shapes ?? [[4]], ctx.step ?? 0, ctx), loss: NaN })),
  // Well formed in every field but the step: only the parameter server's step bookkeeping can refuse these.
  'stale-step': (_rng, ctx) => wsFrame(encodeMessage(push(ctx.shapes ?? [[4]], Math.max(0, (ctx.step ?? 0) - 1), ctx))),
  'future-step': (rng, ctx) => wsFrame(encodeMessage(push(ctx.shapes ?? [[4]], (ctx.step ?? 0) + 1 + Math.floor(rng() * 1e6), ctx))),
  'duplicate-step': (_rng, ctx) => wsFrame(encodeMessage(push(ctx.shapes ?? [[4]], ctx.step ?? 0, ctx))),
  'negative-step': (_rng, ctx) => wsFrame(encodeMessage(push(ctx.shapes ?? [[4]], -1, ctx))),
  'wrong-metrics': (rng) => wsFrame(encodeMessage({ type: 'metrics', step: Math.floor(rng() * 1e6), epoch: 0, split: 'val', loss: NaN, top1: 2, top5: -1, count: 1 })),
  'hello-again': () => wsFrame(encodeMessage({ type: 'hello', role: 'worker', clientNonce: new Uint8Array(32), rank: 0, runId: '', name: 'again' })),
  oversized: (rng) => Buffer.concat([wsFrame(Buffer.alloc(0), { declaredLength: 2 ** 31 + Math.floor(rng() * 2 ** 30) }), bytesOf(rng, 64)]),
  'text-frame': () => wsFrame(Buffer.from('{"type":"push"}'), { opcode: 1 }),
  unmasked: () => wsFrame(encodeMessage({ type: 'pull' }), { mask: false }),
  'reserved-bits': (rng) => wsFrame(encodeMessage({ type: 'pull' }), { rsv: 1 + Math.floor(rng() * 7) }),
  'reserved-opcode': (rng) => wsFrame(encodeMessage({ type: 'pull' }), { opcode: pick(rng, [3, 4, 5, 6, 7, 11, 12, 13, 14, 15]) }),
  'orphan-continuation': () => wsFrame(encodeMessage({ type: 'pull' }), { opcode: 0 }),
  'huge-control-frame': () => wsFrame(Buffer.alloc(200), { opcode: 9 }),
  'fragmented-control': () => wsFrame(Buffer.alloc(4), { opcode: 9, fin: false }),
};

// Rewrites the first tensor byte length of a push frame to one that is not a multiple of 4.
function encodeFrameWithLengths(frame, rng) {
  const control = frame.subarray(12, 12 + frame.readUInt32LE(8));
  const at = control.lastIndexOf(0x0c); // the 12-byte tensor's length, as msgpack fixint
  const copy = Buffer.from(frame);
  if (at >= 0) copy[12 + at] = 0x0d + Math.floor(rng() * 2);
  return copy;
}

export const KINDS = Object.keys(MALFORMED);

/** One malformed frame of a random kind: { kind, bytes }. */
export function malformedFrame(rng, ctx = {}) {
  const kind = pick(rng, KINDS);
  return { kind, bytes: MALFORMED[kind](rng, ctx) };
}
