import { readSync, writevSync } from 'node:fs';
import { ProtocolError } from './errors.js';

/** What a `shm-frame` note says of the record it announces. */
export interface RecordNote {
  seq: number;
  length: number;
}

/**
 * Records are read in pieces of this size, each handed to the reader's `inspect` while it is still in the CPU's cache:
 * checking a 6 MB push for non-finite values that way costs almost nothing on top of the read, against as much again
 * as the read when the scan comes after the whole frame (measured: 3.0–3.6 ms vs 6–7 ms per 6 MB on this VM).
 */
export const RECORD_READ_CHUNK_BYTES = 64 * 1024;

/** Sees a record's frame grow as it is read: its first `available` bytes are in (see RecordRing.read). */
export type RecordInspector = (frame: Uint8Array, available: number) => void;

/** Bytes one record of a ring with `slotBytes` slots takes: [u32 seq, u32 length, frame, u32 seq], 8-byte aligned. */
export const recordBytesFor = (slotBytes: number): number => (12 + slotBytes + 7) & ~7;

/**
 * A ring of `slots` records at byte `start` of a shared file: the storage under a connection's two rings
 * (SharedFrameChannel) and a server's broadcast ring (SharedBroadcastRing). Record `seq` lives in slot seq mod slots
 * (slots is a power of two, so the slot survives the u32 wrap) and is stamped with its seq at both ends, so a reader
 * tells a record that was overwritten (or never written) from the one its note announces. Who may overwrite what is
 * the owner's business: the ring only stores and checks.
 * @example
 * const ring = new RecordRing(fd, 64, 4, 1 << 20);
 * if (ring.write(1, frame)) socket.send(note({ seq: 1, length: frame.length }));
 * const bytes = ring.read({ seq: 1, length: frame.length }, 'shm-frame');   // on the other side
 */
export class RecordRing {
  readonly recordBytes: number;
  private readonly head = Buffer.alloc(8);
  private readonly tail = Buffer.alloc(4);

  constructor(
    private readonly fd: number,
    private readonly start: number,
    readonly slots: number,
    /** Largest frame a record holds. */
    readonly slotBytes: number,
  ) {
    this.recordBytes = recordBytesFor(slotBytes);
  }

  private at(seq: number): number {
    return this.start + (seq % this.slots) * this.recordBytes;
  }

  /** Stores `frame` as record `seq`; false when it does not fit a slot or the write failed (e.g. tmpfs full). */
  write(seq: number, frame: Uint8Array): boolean {
    if (frame.length > this.slotBytes) return false;
    this.head.writeUInt32LE(seq, 0);
    this.head.writeUInt32LE(frame.length, 4);
    this.tail.writeUInt32LE(seq, 0);
    try {
      return writevSync(this.fd, [this.head, frame, this.tail], this.at(seq)) === 12 + frame.length;
    } catch {
      return false;
    }
  }

  /**
   * The frame of record `note.seq`, read into a fresh buffer (its tensors may be kept, as a websocket message's may),
   * or into `into(bytes)`'s (an 8-aligned buffer of that many bytes: a FrameBufferPool's).
   * Throws ProtocolError when the note is longer than a slot or the record does not hold that frame. `inspect` sees
   * the frame grow, RECORD_READ_CHUNK_BYTES at a time: `frame` (its first `available` bytes are in) after each piece.
   */
  read(note: RecordNote, inspect?: RecordInspector, into?: (bytes: number) => Buffer): Uint8Array {
    if (note.length > this.slotBytes) {
      throw new ProtocolError('bad-field', `"shm-frame".length: ${note.length} bytes exceeds the ${this.slotBytes}-byte slot`);
    }
    // 8-byte aligned start: the frame at offset 8 keeps its tensors viewable in place.
    const record = into?.(12 + note.length) ?? Buffer.allocUnsafeSlow(12 + note.length);
    const frame = record.subarray(8, 8 + note.length);
    const at = this.at(note.seq);
    let got = 0;
    while (got < record.length) {
      const n = readSync(this.fd, record, got, Math.min(RECORD_READ_CHUNK_BYTES, record.length - got), at + got);
      if (n === 0) break;
      got += n;
      inspect?.(frame, Math.max(0, Math.min(got - 8, note.length)));
    }
    const seq = got >= 8 ? record.readUInt32LE(0) : 0;
    const length = got >= 8 ? record.readUInt32LE(4) : -1;
    const trailer = got === record.length ? record.readUInt32LE(8 + note.length) : 0;
    if (seq !== note.seq || length !== note.length || trailer !== note.seq) {
      throw new ProtocolError(
        'bad-frame',
        `shared-memory record for frame ${note.seq} holds frame ${seq} (${length} bytes, trailer ${trailer}): overwritten or never written`,
      );
    }
    return frame;
  }
}

/** A u32 in a shared file's header (a reader's consumed seq): read and written with one syscall each. */
export class HeaderWord {
  private readonly word = Buffer.alloc(4);

  constructor(
    private readonly fd: number,
    private readonly offset: number,
  ) {}

  /** The word, or null when the file cannot be read. */
  get(): number | null {
    try {
      readSync(this.fd, this.word, 0, 4, this.offset);
    } catch {
      return null;
    }
    return this.word.readUInt32LE(0);
  }

  set(value: number): void {
    this.word.writeUInt32LE(value >>> 0, 0);
    writevSync(this.fd, [this.word], this.offset);
  }
}
