/**
 * Read buffers for shared-memory frames, reused once their reader says it is done with a frame. Each frame read
 * otherwise lands in a fresh buffer: hundreds of KB to MB per push, whose first touch page-faults and whose release
 * V8 learns of only by garbage collection. A parameter server reading W pushes a step then runs a scavenge for
 * "external memory pressure" every few steps and a Mark-Compact every few dozen, which stall every worker. A buffer
 * comes back only through {@link give}, by a reader that holds no view of it any more (the frame's tensors are views of
 * it); one never given back is just collected, as before.
 * @example
 * const pool = new FrameBufferPool();
 * const record = pool.take(12 + length);   // read the record into it, decode, use the tensors
 * pool.give(message.grads[0]?.buffer);     // done with every view of the frame: the next take may reuse it
 */
export class FrameBufferPool {
  private free: ArrayBuffer[] = [];
  /** Buffers handed out by take and not given back: only these are accepted back, once. */
  private readonly lent = new WeakSet<ArrayBuffer>();

  /** `maxFree`: buffers kept for reuse at most (more given back are left to the collector). */
  constructor(private readonly maxFree = 8) {}

  /** A buffer of `bytes` bytes whose start is 8-aligned (its own ArrayBuffer from 0): a free one large enough, or a new one. */
  take(bytes: number): Buffer {
    const k = this.free.findIndex((b) => b.byteLength >= bytes);
    const buffer = k >= 0 ? this.free.splice(k, 1)[0]! : Buffer.allocUnsafeSlow(bytes).buffer;
    this.lent.add(buffer);
    return Buffer.from(buffer, 0, bytes);
  }

  /** Takes back the buffer behind a frame's views (any ArrayBuffer: only one this pool lent counts); true if it did. */
  give(buffer: ArrayBufferLike | undefined): boolean {
    if (!(buffer instanceof ArrayBuffer) || !this.lent.has(buffer)) return false;
    this.lent.delete(buffer);
    if (this.free.length >= this.maxFree) this.free.shift(); // the oldest goes to the collector
    this.free.push(buffer);
    return true;
  }
}
