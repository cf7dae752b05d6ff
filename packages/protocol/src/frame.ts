import { endianness } from 'node:os';
import { Packr } from 'msgpackr';
import { ProtocolError } from './errors.js';
import { TENSOR_FIELDS } from './messages.js';

/**
 * One frame = one websocket binary message:
 *   bytes 0..3  magic "TFLW"
 *   byte  4     frame format version (FRAME_VERSION)
 *   bytes 5..7  reserved, zero
 *   bytes 8..11 control length L, uint32 little-endian
 *   L bytes     msgpack map: the message's scalar fields plus `tensors: [[field, [byteLength, ...]], ...]`
 *   zero padding to a multiple of 8 bytes
 *   the tensors' raw little-endian float32 bytes, back to back, in the order `tensors` lists them
 * Padding keeps every tensor 4-aligned relative to the frame start, so the receiver can view it in place.
 */
export const FRAME_MAGIC = Buffer.from('TFLW', 'latin1');
export const FRAME_VERSION = 1;
export const FRAME_HEADER_BYTES = 12;

// The wire is little-endian; viewing bytes as Float32Array in place is only right on a little-endian host.
if (endianness() !== 'LE') throw new Error('@tensorfleet/protocol requires a little-endian host');

// Plain msgpack maps (no records extension) so any msgpack reader can inspect control maps.
const packr = new Packr({ useRecords: false, mapsAsObjects: true });

/** Serializable message-like object: scalar fields in the control map, tensor lists in the payload. */
export type FrameObject = { type: string } & Record<string, unknown>;

function align8(n: number): number {
  return (n + 7) & ~7;
}

/**
 * Encodes a message into one frame. The fields listed in TENSOR_FIELDS for its type must be Float32Array[] and travel
 * as raw bytes; everything else goes through msgpack.
 * @example
 * ws.send(encodeFrame({ type: 'push', v: 1, step: 0, loss: 2.3, count: 32, computeMs: 5, grads, states: [] }));
 */
export function encodeFrame(message: FrameObject): Buffer {
  const tensorFields = Object.hasOwn(TENSOR_FIELDS, message.type) ? TENSOR_FIELDS[message.type]! : [];
  const control: Record<string, unknown> = {};
  const descriptor: [string, number[]][] = [];
  const tensors: Float32Array[] = [];
  for (const [key, value] of Object.entries(message)) {
    if (!tensorFields.includes(key)) {
      control[key] = value;
      continue;
    }
    if (!Array.isArray(value) || !value.every((t) => t instanceof Float32Array)) {
      throw new TypeError(`encodeFrame: field "${key}" of a "${message.type}" message must be Float32Array[]`);
    }
    descriptor.push([key, value.map((t: Float32Array) => t.byteLength)]);
    tensors.push(...(value as Float32Array[]));
  }
  control.tensors = descriptor;
  const controlBytes = packr.pack(control);
  const payloadStart = align8(FRAME_HEADER_BYTES + controlBytes.length);
  let total = payloadStart;
  for (const t of tensors) total += t.byteLength;
  const frame = Buffer.allocUnsafe(total);
  FRAME_MAGIC.copy(frame, 0);
  frame.writeUInt8(FRAME_VERSION, 4);
  frame.fill(0, 5, 8);
  frame.writeUInt32LE(controlBytes.length, 8);
  controlBytes.copy(frame, FRAME_HEADER_BYTES);
  frame.fill(0, FRAME_HEADER_BYTES + controlBytes.length, payloadStart);
  let offset = payloadStart;
  for (const t of tensors) {
    frame.set(new Uint8Array(t.buffer, t.byteOffset, t.byteLength), offset);
    offset += t.byteLength;
  }
  return frame;
}

/** Views `byteLength` bytes at `offset` of `bytes` as float32 without copying, copying only when not 4-aligned. */
function viewFloat32(bytes: Uint8Array, offset: number, byteLength: number): Float32Array {
  const absolute = bytes.byteOffset + offset;
  if (absolute % 4 === 0) return new Float32Array(bytes.buffer, absolute, byteLength / 4);
  const copy = new Float32Array(byteLength / 4);
  new Uint8Array(copy.buffer).set(bytes.subarray(offset, offset + byteLength));
  return copy;
}

function readDescriptor(raw: unknown): [string, number[]][] {
  if (raw === undefined) return [];
  const bad = (why: string) => new ProtocolError('bad-frame', `control field "tensors" ${why}`);
  if (!Array.isArray(raw)) throw bad(`must be an array of [field, byteLengths], got ${typeof raw}`);
  return raw.map((entry, i) => {
    if (!Array.isArray(entry) || entry.length !== 2 || typeof entry[0] !== 'string' || !Array.isArray(entry[1])) {
      throw bad(`[${i}] must be [string, number[]]`);
    }
    for (const n of entry[1] as unknown[]) {
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n % 4 !== 0) {
        throw bad(`[${i}] ("${entry[0]}") byte length ${String(n)} is not a non-negative multiple of 4`);
      }
    }
    return [entry[0], entry[1] as number[]];
  });
}

/**
 * Decodes one frame into a message-like object (not yet validated: see validateMessage). Tensor fields come back as
 * Float32Array views into `bytes` (no copy unless misaligned), so they are valid only while `bytes` is.
 * Throws ProtocolError: bad-magic, bad-version, truncated, bad-control, bad-frame.
 * @example
 * const raw = decodeFrame(buffer); const msg = validateMessage(raw, { from: 'worker' });
 */
export function decodeFrame(bytes: Uint8Array): FrameObject {
  if (bytes.length < FRAME_HEADER_BYTES) {
    throw new ProtocolError('truncated', `frame of ${bytes.length} bytes is shorter than the ${FRAME_HEADER_BYTES}-byte header`);
  }
  for (let i = 0; i < 4; i++) {
    if (bytes[i] !== FRAME_MAGIC[i]) {
      const got = Buffer.from(bytes.subarray(0, 4)).toString('hex');
      throw new ProtocolError('bad-magic', `frame starts with 0x${got}, expected "TFLW" (0x${FRAME_MAGIC.toString('hex')})`);
    }
  }
  if (bytes[4] !== FRAME_VERSION) {
    throw new ProtocolError('bad-version', `frame format version ${bytes[4]}, this peer speaks ${FRAME_VERSION}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const controlLength = view.getUint32(8, true);
  if (FRAME_HEADER_BYTES + controlLength > bytes.length) {
    throw new ProtocolError('truncated', `control map of ${controlLength} bytes overruns the ${bytes.length}-byte frame`);
  }
  let control: unknown;
  try {
    control = packr.unpack(bytes.subarray(FRAME_HEADER_BYTES, FRAME_HEADER_BYTES + controlLength));
  } catch (error) {
    throw new ProtocolError('bad-control', `control map is not valid msgpack (${(error as Error).message})`);
  }
  if (control === null || typeof control !== 'object' || Array.isArray(control) || ArrayBuffer.isView(control)) {
    throw new ProtocolError('bad-control', `control must be a msgpack map, got ${Array.isArray(control) ? 'array' : typeof control}`);
  }
  const message = control as Record<string, unknown>;
  if (typeof message.type !== 'string') {
    throw new ProtocolError('bad-control', `control map has no string "type" (got ${typeof message.type})`);
  }
  const descriptor = readDescriptor(message.tensors);
  delete message.tensors;
  let offset = align8(FRAME_HEADER_BYTES + controlLength);
  const needed = descriptor.reduce((sum, [, lengths]) => sum + lengths.reduce((a, b) => a + b, 0), offset);
  if (needed > bytes.length) {
    throw new ProtocolError('truncated', `"${message.type}" frame declares ${needed} bytes but has ${bytes.length}`);
  }
  if (needed < bytes.length) {
    throw new ProtocolError('bad-frame', `"${message.type}" frame has ${bytes.length - needed} trailing bytes beyond its declared tensors`);
  }
  for (const [field, lengths] of descriptor) {
    if (field in message) throw new ProtocolError('bad-frame', `field "${field}" appears both as a tensor list and in the control map`);
    message[field] = lengths.map((n) => {
      const t = viewFloat32(bytes, offset, n);
      offset += n;
      return t;
    });
  }
  return message as FrameObject;
}
