import { findNonFinite } from '@tensorfleet/core';
import { DATA_CHUNK_BYTES, MAX_DATA_FILE_BYTES, SHA256_HEX } from './data-files.js';
import { ProtocolError } from './errors.js';
import { FRAME_HEADER_BYTES } from './frame.js';
import { MAX_SHARED_SLOT_BYTES, PROBE_BYTES, validSlotCount } from './shared-memory.js';
import { transportNames } from './spec/transports.js';
import {
  PROTOCOL_VERSION,
  SERVER_MESSAGE_TYPES,
  TENSOR_FIELDS,
  WORKER_MESSAGE_TYPES,
  type Message,
} from './messages.js';

/** What the receiver knows that a message must agree with. */
export interface ValidationContext {
  /** Who sent the message: decides which types are allowed. */
  from: 'worker' | 'server';
  /** Shapes of the model's trainable parameters: `push.grads` and `params.params` must match them exactly. */
  parameterShapes?: number[][];
  /** Shapes of the model's non-trainable states (BN moving stats): `push.states`/`params.states` must match. */
  stateShapes?: number[][];
  /**
   * Every float32 of the frame's payload is already known to be finite (PayloadScan checked it as a shared-memory
   * frame was read): tensor fields then skip their own scan. Only the reader that scanned the very bytes may say so.
   */
  payloadKnownFinite?: boolean;
}

type Raw = Record<string, unknown>;

const NONCE_BYTES = 32;
const HMAC_BYTES = 32;
const MAX_STRING = 4096;

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `array(${value.length})`;
  if (ArrayBuffer.isView(value)) return `${value.constructor.name}(${value.byteLength} bytes)`;
  if (typeof value === 'string') return `"${value.length > 40 ? value.slice(0, 40) + '…' : value}"`;
  return `${typeof value} ${String(value)}`;
}

function fail(type: string, field: string, expected: string, got: unknown): never {
  throw new ProtocolError('bad-field', `"${type}".${field}: expected ${expected}, got ${describe(got)}`);
}

function int(m: Raw, field: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const x = m[field];
  if (typeof x !== 'number' || !Number.isInteger(x) || x < min || x > max) {
    fail(String(m.type), field, `an integer in [${min}, ${max}]`, x);
  }
  return x;
}

function finite(m: Raw, field: string, min = -Infinity): number {
  const x = m[field];
  if (typeof x !== 'number') fail(String(m.type), field, 'a number', x);
  if (!Number.isFinite(x)) throw new ProtocolError('non-finite', `"${m.type}".${field} is ${x}, expected a finite number`);
  if (x < min) fail(String(m.type), field, `a number ≥ ${min}`, x);
  return x;
}

function bool(m: Raw, field: string): boolean {
  const v = m[field];
  if (typeof v !== 'boolean') fail(String(m.type), field, 'true or false', v);
  return v;
}

function str(m: Raw, field: string, allowed?: readonly string[]): string {
  const x = m[field];
  if (typeof x !== 'string' || x.length > MAX_STRING) fail(String(m.type), field, `a string of at most ${MAX_STRING} chars`, x);
  if (allowed && !allowed.includes(x)) fail(String(m.type), field, `one of ${allowed.join('|')}`, x);
  return x;
}

function bytes(m: Raw, field: string, length: number): Uint8Array {
  const x = m[field];
  if (!(x instanceof Uint8Array) || x.length !== length) fail(String(m.type), field, `${length} bytes (msgpack bin)`, x);
  return new Uint8Array(x);
}

function shapeList(m: Raw, field: string): number[][] {
  const x = m[field];
  const ok = Array.isArray(x) && x.every((s) => Array.isArray(s) && s.every((d) => Number.isInteger(d) && d >= 0));
  if (!ok) fail(String(m.type), field, 'an array of shapes (arrays of non-negative integers)', x);
  return (x as number[][]).map((s) => [...s]);
}

function plainMap(m: Raw, field: string): Record<string, unknown> {
  const x = m[field];
  if (x === null || typeof x !== 'object' || Array.isArray(x) || ArrayBuffer.isView(x)) fail(String(m.type), field, 'a map', x);
  return x as Record<string, unknown>;
}

/** Checks a tensor list against expected shapes (when known) and, if asked, that every value is finite. */
function tensors(m: Raw, field: string, shapes: number[][] | undefined, requireFinite: boolean): Float32Array[] {
  const x = m[field] ?? [];
  if (!Array.isArray(x) || !x.every((t) => t instanceof Float32Array)) {
    fail(String(m.type), field, 'a tensor list in the frame payload', x);
  }
  const list = x as Float32Array[];
  if (shapes) {
    if (list.length !== shapes.length) {
      throw new ProtocolError('bad-shape', `"${m.type}".${field}: ${list.length} tensors, the model has ${shapes.length}`);
    }
    list.forEach((t, i) => {
      const size = shapes[i]!.reduce((a, b) => a * b, 1);
      if (t.length !== size) {
        throw new ProtocolError(
          'bad-shape',
          `"${m.type}".${field}[${i}]: ${t.length} values, expected shape [${shapes[i]!.join(',')}] = ${size} values`,
        );
      }
    });
  }
  if (requireFinite) {
    // A push's every gradient value passes here on the server's critical path: findNonFinite's branch-free scan.
    for (let i = 0; i < list.length; i++) {
      const t = list[i]!;
      const j = findNonFinite(t);
      if (j >= 0) throw new ProtocolError('non-finite', `"${m.type}".${field}[${i}][${j}] is ${t[j]}, expected a finite number`);
    }
  }
  return list;
}

/** A tensor field holding exactly one non-empty, finite tensor (collective contributions and results). */
function single(m: Raw, field: string): Float32Array[] {
  const list = tensors(m, field, undefined, true);
  if (list.length !== 1 || list[0]!.length === 0) {
    throw new ProtocolError('bad-shape', `"${m.type}".${field}: expected exactly one non-empty tensor, got ${list.length} (lengths ${list.map((t) => t.length).join(',')})`);
  }
  return list;
}

/** The job's parameter ownership: indices in range, each owned by exactly one server. */
function shardLayout(m: Raw): { owned: number[]; shards: { url: string; parameters: number[] }[] } {
  const count = Array.isArray(m.parameterShapes) ? m.parameterShapes.length : 0;
  const indices = (x: unknown, field: string): number[] => {
    if (!Array.isArray(x) || !x.every((i) => Number.isInteger(i) && i >= 0 && i < count)) fail('job', field, `an array of parameter indices in [0, ${count - 1}]`, x);
    return [...(x as number[])];
  };
  const owned = m.owned === undefined ? [...Array(count).keys()] : indices(m.owned, 'owned');
  const raw = m.shards ?? [];
  if (!Array.isArray(raw)) fail('job', 'shards', 'an array of { url, parameters }', raw);
  const shards = (raw as unknown[]).map((s, i) => {
    const r = s as Raw;
    if (r === null || typeof r !== 'object' || typeof r.url !== 'string' || !/^wss?:\/\//.test(r.url)) fail('job', `shards[${i}].url`, 'a ws:// or wss:// address', r?.url);
    return { url: r.url as string, parameters: indices(r.parameters, `shards[${i}].parameters`) };
  });
  const all = [...owned, ...shards.flatMap((s) => s.parameters)].sort((a, b) => a - b);
  if (all.length !== count || all.some((v, i) => v !== i)) fail('job', 'owned/shards', `every parameter index 0..${count - 1} owned exactly once`, all);
  return { owned, shards };
}

function sha256(m: Raw): string {
  const x = m.sha256;
  if (typeof x !== 'string' || !SHA256_HEX.test(x)) fail(String(m.type), 'sha256', '64 lowercase hex digits', x);
  return x as string;
}

/** A data file piece: at most DATA_CHUNK_BYTES, inside the file, and a whole chunk unless it is the file's end. */
function fileChunk(m: Raw): Message {
  const size = int(m, 'size', 0, MAX_DATA_FILE_BYTES);
  const offset = int(m, 'offset', 0, size);
  const data = m.data;
  const expected = Math.min(DATA_CHUNK_BYTES, size - offset);
  if (!(data instanceof Uint8Array) || data.length !== expected) fail('file-chunk', 'data', `${expected} bytes (msgpack bin) for offset ${offset} of ${size}`, data);
  return { type: 'file-chunk', v: PROTOCOL_VERSION, sha256: sha256(m), offset, size, data: data as Uint8Array };
}

type Validator = (m: Raw, ctx: ValidationContext) => Message;

/** Whether tensor fields that must be finite still need their scan (not when the whole payload was checked). */
const mustScan = (ctx: ValidationContext): boolean => ctx.payloadKnownFinite !== true;

const validators: Record<string, Validator> = {
  hello: (m) => ({
    type: 'hello', v: PROTOCOL_VERSION, role: str(m, 'role', ['worker', 'collective', 'primary']) as 'worker', clientNonce: bytes(m, 'clientNonce', NONCE_BYTES),
    rank: int(m, 'rank', -1, 1 << 20), runId: str(m, 'runId'), name: str(m, 'name'),
  }),
  challenge: (m) => ({ type: 'challenge', v: PROTOCOL_VERSION, nonce: bytes(m, 'nonce', NONCE_BYTES) }),
  auth: (m) => ({ type: 'auth', v: PROTOCOL_VERSION, response: bytes(m, 'response', HMAC_BYTES) }),
  welcome: (m) => ({ type: 'welcome', v: PROTOCOL_VERSION, sessionId: str(m, 'sessionId'), proof: bytes(m, 'proof', HMAC_BYTES) }),
  job: (m) => {
    const worldSize = int(m, 'worldSize', 1, 1 << 20);
    return {
      type: 'job', v: PROTOCOL_VERSION, runId: str(m, 'runId'), rank: int(m, 'rank', 0, worldSize - 1), worldSize,
      seed: int(m, 'seed', 0, 2 ** 32 - 1), step: int(m, 'step'), epoch: int(m, 'epoch'), stepsPerEpoch: int(m, 'stepsPerEpoch', 1),
      parameterShapes: shapeList(m, 'parameterShapes'), stateShapes: shapeList(m, 'stateShapes'), spec: plainMap(m, 'spec'),
      ...shardLayout(m),
    };
  },
  control: (m, ctx) => ({
    type: 'control', v: PROTOCOL_VERSION, action: str(m, 'action', ['init', 'epoch', 'snapshot', 'stop']) as 'init', runId: str(m, 'runId'),
    step: int(m, 'step'), epoch: int(m, 'epoch'), lr: finite(m, 'lr', 0), workers: int(m, 'workers', 1, 1 << 20),
    stepsPerEpoch: int(m, 'stepsPerEpoch', 1), optimizer: plainMap(m, 'optimizer'), checkpointDir: str(m, 'checkpointDir'),
    transport: str(m, 'transport', transportNames) as 'auto',
    params: m.action === 'init' ? tensors(m, 'params', ctx.parameterShapes, mustScan(ctx)) : tensors(m, 'params', [], false),
  }),
  pull: () => ({ type: 'pull', v: PROTOCOL_VERSION }),
  push: (m, ctx) => ({
    type: 'push', v: PROTOCOL_VERSION, step: int(m, 'step'), loss: finite(m, 'loss'), count: int(m, 'count', 1),
    correct: int(m, 'correct', 0, typeof m.count === 'number' ? m.count : 0), computeMs: finite(m, 'computeMs', 0), commMs: finite(m, 'commMs', 0),
    grads: tensors(m, 'grads', ctx.parameterShapes, mustScan(ctx)), states: tensors(m, 'states', ctx.stateShapes, mustScan(ctx)),
  }),
  params: (m, ctx) => ({
    type: 'params', v: PROTOCOL_VERSION, step: int(m, 'step'), epoch: int(m, 'epoch'), lr: finite(m, 'lr', 0),
    params: tensors(m, 'params', ctx.parameterShapes, mustScan(ctx)), states: tensors(m, 'states', ctx.stateShapes, mustScan(ctx)),
  }),
  allreduce: (m) => ({ type: 'allreduce', v: PROTOCOL_VERSION, step: int(m, 'step'), call: int(m, 'call'), values: single(m, 'values') }),
  reduced: (m) => ({ type: 'reduced', v: PROTOCOL_VERSION, step: int(m, 'step'), call: int(m, 'call'), values: single(m, 'values') }),
  barrier: (m) => ({
    type: 'barrier', v: PROTOCOL_VERSION, step: int(m, 'step'), epoch: int(m, 'epoch'),
    action: str(m, 'action', ['train', 'validate', 'test', 'stop', 'wait']) as 'train',
    ...(m.worldSize === undefined ? {} : { worldSize: int(m, 'worldSize', 1, 1 << 20), rank: int(m, 'rank', 0, (m.worldSize as number) - 1) }),
    ...(m.steps === undefined ? {} : { steps: int(m, 'steps', 1) }),
  }),
  metrics: (m) => ({
    type: 'metrics', v: PROTOCOL_VERSION, step: int(m, 'step'), epoch: int(m, 'epoch'),
    split: str(m, 'split', ['train', 'val', 'test']) as 'val', loss: finite(m, 'loss'), top1: finite(m, 'top1', 0),
    top5: finite(m, 'top5', 0), count: int(m, 'count'),
  }),
  'file-request': (m) => ({ type: 'file-request', v: PROTOCOL_VERSION, sha256: sha256(m), offset: int(m, 'offset', 0, MAX_DATA_FILE_BYTES) }),
  'file-chunk': fileChunk,
  'shm-offer': (m) => {
    const path = str(m, 'path');
    if (!path.startsWith('/')) fail('shm-offer', 'path', 'an absolute path', path);
    const slots = int(m, 'slots', 1, 64);
    if (!validSlotCount(slots)) fail('shm-offer', 'slots', 'a power of two', slots);
    const broadcastPath = str(m, 'broadcastPath');
    if (broadcastPath !== '' && !broadcastPath.startsWith('/')) fail('shm-offer', 'broadcastPath', 'an absolute path, or empty', broadcastPath);
    return { type: 'shm-offer', v: PROTOCOL_VERSION, path, slotBytes: int(m, 'slotBytes', 1, MAX_SHARED_SLOT_BYTES), slots, broadcastPath };
  },
  'shm-accept': (m) => {
    const probe = m.probe;
    if (!(probe instanceof Uint8Array) || (probe.length !== 0 && probe.length !== PROBE_BYTES)) fail('shm-accept', 'probe', `${PROBE_BYTES} bytes, or none with an error`, probe);
    return { type: 'shm-accept', v: PROTOCOL_VERSION, probe: new Uint8Array(probe as Uint8Array), error: str(m, 'error') };
  },
  'shm-frame': (m) => ({
    type: 'shm-frame', v: PROTOCOL_VERSION, seq: int(m, 'seq', 0, 0xffff_ffff), length: int(m, 'length', FRAME_HEADER_BYTES, MAX_SHARED_SLOT_BYTES),
    broadcast: bool(m, 'broadcast'),
  }),
  heartbeat: (m) => ({ type: 'heartbeat', v: PROTOCOL_VERSION, time: finite(m, 'time') }),
  error: (m) => ({ type: 'error', v: PROTOCOL_VERSION, code: str(m, 'code'), message: str(m, 'message') }),
  bye: (m) => ({ type: 'bye', v: PROTOCOL_VERSION, reason: str(m, 'reason') }),
};

/**
 * Validates a decoded frame before it may touch any state: known type allowed from this sender, protocol version,
 * every field's type and range, tensor counts and sizes against the model's shapes, finite values where the semantics
 * need them. Returns a fresh object with only the known fields; throws ProtocolError naming the problem.
 * @example
 * const msg = validateMessage(decodeFrame(buf), { from: 'worker', parameterShapes, stateShapes });
 */
export function validateMessage(raw: Raw, ctx: ValidationContext): Message {
  const type = raw.type;
  // Own properties only: a type such as "__proto__" or "toString" must not find Object.prototype's members.
  const validator = typeof type === 'string' && Object.hasOwn(validators, type) ? validators[type] : undefined;
  if (!validator) throw new ProtocolError('unknown-type', `message type ${describe(type)} is not part of protocol v${PROTOCOL_VERSION}`);
  const allowed = ctx.from === 'worker' ? WORKER_MESSAGE_TYPES : SERVER_MESSAGE_TYPES;
  if (!allowed.includes(type as string)) {
    throw new ProtocolError('unexpected-message', `a ${ctx.from} may not send "${type}" messages`);
  }
  if (raw.v !== PROTOCOL_VERSION) {
    throw new ProtocolError('bad-version', `"${type}" message has v=${describe(raw.v)}, this peer speaks v${PROTOCOL_VERSION}`);
  }
  for (const field of Object.keys(raw)) {
    if (!(TENSOR_FIELDS[type as string] ?? []).includes(field) && Array.isArray(raw[field]) && (raw[field] as unknown[]).some((x) => x instanceof Float32Array)) {
      throw new ProtocolError('bad-field', `"${type}".${field} carries tensors but is not a tensor field`);
    }
  }
  return validator(raw, ctx);
}
