import { findNonFinite } from '@tensorfleet/core';
import { FRAME_HEADER_BYTES } from './frame.js';

/**
 * Checks a frame's tensor payload for NaN and ±Infinity piece by piece while the frame is being read (RecordRing.read's
 * `inspect`), so each piece is scanned while it is still in the CPU's cache instead of in a second pass over a frame
 * larger than the cache. The verdict only lets validation skip its own scan when *every* float32 of the payload is
 * finite (`allFinite`); anything else (a non-finite value, a payload that is not whole float32s, a frame cut short)
 * leaves validation to scan, and name, as it always does. It looks at the reader's private copy, so the bytes it
 * judged are the bytes that are decoded.
 * @example
 * const scan = new PayloadScan();
 * const frame = ring.read(note, (bytes, available) => scan.feed(bytes, available));
 * validateMessage(decodeFrame(frame), { ...ctx, payloadKnownFinite: scan.allFinite(frame.length) });
 */
export class PayloadScan {
  /** Where the payload starts in the frame, once the header is in (−1 before). */
  private payloadAt = -1;
  /** Bytes of the frame scanned (or skipped, before the payload) so far. */
  private scanned = 0;
  private finite = true;

  /** The frame's first `available` bytes are in: scans the whole float32s among them not scanned yet. */
  feed(frame: Uint8Array, available: number): void {
    if (!this.finite) return;
    if (this.payloadAt < 0) {
      if (available < FRAME_HEADER_BYTES) return;
      const control = frame[8]! | (frame[9]! << 8) | (frame[10]! << 16) | (frame[11]! * 2 ** 24);
      this.payloadAt = this.scanned = (FRAME_HEADER_BYTES + control + 7) & ~7; // as frame.ts lays it out
    }
    const end = this.payloadAt + ((available - this.payloadAt) & ~3);
    if (end <= this.scanned) return;
    if ((frame.byteOffset + this.scanned) % 4 !== 0) {
      this.finite = false; // not viewable as float32 in place: leave it to validation
      return;
    }
    // The payload is 8-aligned in the frame, and the frame in its buffer (RecordRing), so the view is aligned.
    const values = new Float32Array(frame.buffer, frame.byteOffset + this.scanned, (end - this.scanned) / 4);
    if (findNonFinite(values) >= 0) this.finite = false;
    this.scanned = end;
  }

  /** True when every float32 of a `length`-byte frame's payload was scanned and found finite. */
  allFinite(length: number): boolean {
    return this.finite && this.payloadAt >= 0 && this.payloadAt <= length && this.scanned === length;
  }
}
