import { closeSync, unlinkSync } from 'node:fs';
import { createSharedFile, HEADER_BYTES, openSharedFile, SHARED_FILE_KINDS, SHARED_FRAME_MIN_BYTES, SHARED_FRAME_SLOTS, type SharedFrameChannel } from './shared-memory.js';
import { RecordRing, type RecordNote } from './shared-record-ring.js';

/**
 * A server's one shared-memory ring for the frames every peer gets (the parameters after each step): the frame is
 * written once and each peer on this host reads it from here, instead of the server writing the same bytes into every
 * peer's own file (16 workers made that 16 writes of a 6 MB frame a step, half the server's transfer time).
 *
 * Every connection that accepted its shared-memory offer also opened this file (its name came in the offer). Each
 * peer says which broadcast record it consumed last in its *own* file's header, which only it and the server share.
 * A record is overwritten only when every reader has consumed all it was told of in that slot; when one has not, the
 * frame goes to each peer its own way instead (its own ring or the socket), which is why a peer accepts broadcast
 * seqs that skip. Unlike a connection's file this one keeps its name while the server lives (peers join at any
 * time); it is unlinked on close and at process exit, and sweepSharedFiles removes one left by a crash.
 * @example
 * const ring = SharedBroadcastRing.create(tensorFrameBytes(parameterCount));  // server; ring.path goes in shm-offer
 * ring.addReader(peerChannel);                                                // each peer that accepted
 * const note = ring.write(frame);                                             // null: send each peer its own way
 * attachSharedBroadcast(openedChannel, offer.broadcastPath);                  // peer, when answering the offer
 */
export class SharedBroadcastRing {
  private writeSeq = 0;
  /** Frames written into the ring so far (each once, for every peer that read it). */
  framesWritten = 0;
  private readonly ring: RecordRing;
  private readonly readers = new Set<SharedFrameChannel>();
  private closed = false;

  private constructor(
    private readonly fd: number,
    readonly path: string,
    readonly slotBytes: number,
    readonly slots: number,
  ) {
    this.ring = new RecordRing(fd, HEADER_BYTES, slots, slotBytes);
    if (live.size === 0) process.once('exit', unlinkLiveRings);
    live.add(this);
  }

  /** Creates the ring's file (0600, a random name) for frames of up to `slotBytes`. */
  static create(slotBytes: number, slots = SHARED_FRAME_SLOTS, dir?: string): SharedBroadcastRing {
    const { fd, path } = createSharedFile(SHARED_FILE_KINDS.broadcast, slotBytes, slots, dir);
    return new SharedBroadcastRing(fd, path, slotBytes, slots);
  }

  /** A connection's channel (server side) whose peer opened this ring: its unread records are kept from now on. */
  addReader(channel: SharedFrameChannel): void {
    this.readers.add(channel);
  }

  removeReader(channel: SharedFrameChannel): void {
    this.readers.delete(channel);
  }

  /**
   * Writes `frame` once as the next record and returns the note every reader is then sent, or null when the frame is
   * small (the socket is as cheap), does not fit, or would overwrite a record some reader has not read yet.
   */
  write(frame: Uint8Array): RecordNote | null {
    if (this.closed || frame.length < SHARED_FRAME_MIN_BYTES || frame.length > this.slotBytes) return null;
    const seq = (this.writeSeq + 1) >>> 0;
    for (const reader of this.readers) if (!reader.broadcastKeepsUnread(seq, this.slots)) return null;
    if (!this.ring.write(seq, frame)) return null;
    this.writeSeq = seq;
    this.framesWritten += 1;
    return { seq, length: frame.length };
  }

  /** @internal Removes the file's name (idempotent). */
  unlink(): void {
    try {
      unlinkSync(this.path);
    } catch {
      // already gone
    }
  }

  /** Unlinks and closes the file (peers that opened it keep reading what they were told of). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    live.delete(this);
    if (live.size === 0) process.off('exit', unlinkLiveRings);
    this.unlink();
    closeSync(this.fd);
    this.readers.clear();
  }
}

/** Rings not closed yet: their names go when the process exits, whatever way it does (a crash aside). */
const live = new Set<SharedBroadcastRing>();
function unlinkLiveRings(): void {
  for (const ring of live) ring.unlink();
}

/**
 * Peer side: opens the server's broadcast ring named in a shm-offer (checked as the connection's own file is) and
 * lets `channel` read broadcast notes from it. Throws an Error saying why the file cannot be used.
 */
export function attachSharedBroadcast(channel: SharedFrameChannel, path: string): void {
  const { fd } = openSharedFile(SHARED_FILE_KINDS.broadcast, path, channel.slotBytes, channel.slots);
  channel.attachBroadcast(fd, new RecordRing(fd, HEADER_BYTES, channel.slots, channel.slotBytes));
}
