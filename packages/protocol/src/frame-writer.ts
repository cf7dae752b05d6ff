import { Packr } from 'msgpackr';
import { FRAME_HEADER_BYTES, FRAME_MAGIC, FRAME_VERSION } from './frame.js';
import { PROTOCOL_VERSION, TENSOR_FIELDS, type Message } from './messages.js';

const packr = new Packr({ useRecords: false, mapsAsObjects: true }); // as frame.ts: plain msgpack maps
/** Room for the control map in front of the payload; a push's or params' control map takes ~150 bytes. */
const CONTROL_ROOM = 4096;
const PAYLOAD_AT = (FRAME_HEADER_BYTES + CONTROL_ROOM + 7) & ~7;
/** Buffers kept for reuse; a writer asked for more at once (frames still being written) allocates unpooled ones. */
const POOL = 4;

const align8 = (n: number) => (n + 7) & ~7;

/**
 * The largest frame a TensorFrameWriter writes for `values` float32 values in all: its payload and the room for the
 * control map in front (e.g. the slot a shared-memory channel needs for a model's push and params frames).
 * @example
 * peer.offerSharedMemory(tensorFrameBytes(parameterCount + stateCount));
 */
export const tensorFrameBytes = (values: number): number => PAYLOAD_AT + 4 * values;

/** The message types whose tensors a writer lays out. */
export type TensorFrameType = 'push' | 'params';
/** A message's scalar fields: what `seal` takes (the tensor fields are filled in place). */
export type ScalarFields<T extends TensorFrameType> = Omit<Extract<Message, { type: T }>, 'type' | 'v' | 'grads' | 'states' | 'params'>;

interface Slot {
  bytes: Buffer;
  tensors: Record<string, Float32Array[]>;
  holds: number;
}

/**
 * One frame being filled: `tensors[field][k]` are views of the frame's payload to write the values into (no other
 * copy is made), `seal` writes the header and control map in front of them. The buffer is reused once every hold is
 * released: the writer's own (`done`) and one per send (`hold`, released by the socket's write callback).
 */
export interface FrameInProgress<T extends TensorFrameType> {
  readonly tensors: Record<string, Float32Array[]>;
  /** The finished frame (a view of the reused buffer): the same bytes encodeMessage gives for this message. */
  seal(fields: ScalarFields<T>): Buffer;
  /** A release for one send of the sealed frame: pass it as the write callback (call it yourself if the send fails). */
  hold(): () => void;
  /** The caller is done with the frame (it still lives until every send's hold is released). */
  done(): void;
}

/**
 * Encodes the push or params messages of one fixed tensor layout (a model's gradients, a server's part) into reused,
 * pre-sized buffers, so a step allocates no frame and copies each tensor once, straight into the frame. The frames are
 * the ones encodeFrame makes (the control map's room in front of the payload is cut off), so receivers need nothing new.
 * @example
 * const writer = new TensorFrameWriter('push', { grads: gradSizes, states: stateSizes });
 * const f = writer.begin();
 * f.tensors.grads.forEach((view, k) => view.set(grads[k]));
 * const frame = f.seal({ step, loss, count, correct, computeMs, commMs });
 * const release = f.hold();
 * if (!client.sendFrame(frame, release)) release();
 * f.done();
 */
export class TensorFrameWriter<T extends TensorFrameType> {
  private readonly fields: readonly string[];
  private readonly pool: Slot[] = [];
  private readonly payloadBytes: number;

  /** `layout[field]` = the value count of each tensor of that field (every tensor field of the type). */
  constructor(
    readonly type: T,
    readonly layout: Record<string, readonly number[]>,
  ) {
    this.fields = TENSOR_FIELDS[type]!;
    for (const field of this.fields) if (!layout[field]) throw new Error(`TensorFrameWriter: layout of "${type}" needs field "${field}"`);
    this.payloadBytes = this.fields.reduce((n, f) => n + 4 * layout[f]!.reduce((a, b) => a + b, 0), 0);
  }

  begin(): FrameInProgress<T> {
    let slot = this.pool.find((s) => s.holds === 0);
    if (!slot) {
      slot = this.allocate();
      if (this.pool.length < POOL) this.pool.push(slot);
    }
    const s = slot;
    s.holds = 1;
    let sealed: Buffer | null = null;
    const release = () => {
      s.holds -= 1;
    };
    return {
      tensors: s.tensors,
      seal: (fields) => (sealed = this.seal(s, fields as unknown as Record<string, unknown>)),
      hold: () => {
        if (!sealed) throw new Error('TensorFrameWriter: hold() before seal()');
        s.holds += 1;
        let once = false;
        return () => {
          if (once) return;
          once = true;
          release();
        };
      },
      done: release,
    };
  }

  private allocate(): Slot {
    const bytes = Buffer.from(new ArrayBuffer(PAYLOAD_AT + this.payloadBytes));
    const tensors: Record<string, Float32Array[]> = {};
    let offset = PAYLOAD_AT;
    for (const field of this.fields) {
      tensors[field] = this.layout[field]!.map((n) => {
        const view = new Float32Array(bytes.buffer, offset, n);
        offset += 4 * n;
        return view;
      });
    }
    return { bytes, tensors, holds: 0 };
  }

  private seal(slot: Slot, fields: Record<string, unknown>): Buffer {
    const descriptor = this.fields.map((f) => [f, this.layout[f]!.map((n) => 4 * n)]);
    const control = packr.pack({ type: this.type, ...fields, v: PROTOCOL_VERSION, tensors: descriptor });
    if (control.length > CONTROL_ROOM) throw new Error(`TensorFrameWriter: a ${control.length}-byte control map exceeds the ${CONTROL_ROOM} bytes of room`);
    const start = PAYLOAD_AT - align8(FRAME_HEADER_BYTES + control.length);
    const frame = slot.bytes;
    FRAME_MAGIC.copy(frame, start);
    frame.writeUInt8(FRAME_VERSION, start + 4);
    frame.fill(0, start + 5, start + 8);
    frame.writeUInt32LE(control.length, start + 8);
    control.copy(frame, start + FRAME_HEADER_BYTES);
    frame.fill(0, start + FRAME_HEADER_BYTES + control.length, PAYLOAD_AT);
    return frame.subarray(start);
  }
}
