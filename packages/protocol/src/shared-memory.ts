import { randomBytes, timingSafeEqual } from 'node:crypto';
import { closeSync, fstatSync, ftruncateSync, openSync, readdirSync, readSync, statSync, unlinkSync, writevSync, constants } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProtocolError } from './errors.js';
import { FrameBufferPool } from './frame-buffer-pool.js';
import { HeaderWord, RecordRing, recordBytesFor, type RecordInspector, type RecordNote } from './shared-record-ring.js';

/**
 * A connection's shared-memory side channel, for a worker on the parameter server's own host. On loopback a
 * websocket moves ~600 MB/s: the default model's four 830 KB tensor frames per step cost ~5.5 ms there, against
 * ~1.5 ms through a file in /dev/shm (tmpfs, so a write and a read are each one memcpy through the page cache).
 *
 * The server creates the file (0600, a random name) and offers it to an authenticated peer; the peer proves it opened
 * the same file by echoing the 32 random bytes the server wrote into it (never sent over the wire); from then on a
 * large frame is written into the file and only a `shm-frame` note {seq, length} travels over the websocket, in order
 * with every other message. The receiver reads the frame back and decodes and validates it exactly as one that came
 * over the wire. Once answered, the server unlinks the file: both ends keep it open, and a crash leaves nothing behind.
 *
 * Layout: a 64-byte header (magic "TFLS", version, slot size, slot count, probe, and per ring the seq of the last
 * record its reader consumed), then two rings of `slots` records, server→peer and peer→server. A record is
 * [u32 seq, u32 length, frame bytes, u32 seq]. The writer never laps its reader: with a ring's worth of frames unread
 * (a data file fetched many chunks at a time), the next frame goes over the websocket instead, which keeps the order.
 * The receiver still checks both seqs of a record against the note's, so a record changed before it was read is a
 * clear error, never a silently wrong tensor.
 * @example
 * const { channel, offer } = createSharedFrameFile(1 << 20);   // server, after authentication
 * const opened = openSharedFrameFile(offer);                   // peer: opened.probe goes back in shm-accept
 * channel.acceptProbe(opened.probe);
 * const note = channel.write(frame);                           // → { seq, length } over the websocket
 * const bytes = opened.channel.read(note);                     // the frame, for decodeFrame + validateMessage
 */
export class SharedFrameChannel {
  /** Seqs (u32, wrapping) of the last record written into this side's ring and read from the other side's. */
  private writeSeq = 0;
  private readSeq = 0;
  private readonly writeRing: RecordRing;
  private readonly readRing: RecordRing;
  /** Where the other side says what it consumed of this side's ring, and where this side says it of the other's. */
  private readonly peerConsumed: HeaderWord;
  private readonly ownConsumed: HeaderWord;
  /** The broadcast seq this peer consumed last (peer: writes it; server: reads it, see SharedBroadcastRing). */
  private readonly broadcastConsumed: HeaderWord;
  /** Peer: the server's broadcast ring once opened (and its descriptor), and the seq of the last record read from it. */
  private broadcast: RecordRing | undefined;
  private broadcastFd: number | undefined;
  private broadcastReadSeq = 0;
  /** Server: the seq of the last broadcast record announced to this peer. */
  private broadcastNoted = 0;
  private closed = false;
  private unlinked = false;
  /** Read buffers, reused for later frames once the reader gives a frame back (recycle). */
  private readonly readBuffers = new FrameBufferPool();

  /** @internal Use createSharedFrameFile (server) or openSharedFrameFile (peer). */
  constructor(
    private readonly fd: number,
    /** The file's name while it still has one (the server unlinks it once the peer answered). */
    readonly path: string,
    private readonly side: 'server' | 'peer',
    /** Largest frame a record holds; a larger one goes over the websocket. */
    readonly slotBytes: number,
    readonly slots: number,
  ) {
    const ringBytes = slots * recordBytesFor(slotBytes);
    const down = new RecordRing(fd, HEADER_BYTES, slots, slotBytes);
    const up = new RecordRing(fd, HEADER_BYTES + ringBytes, slots, slotBytes);
    [this.writeRing, this.readRing] = side === 'server' ? [down, up] : [up, down];
    const [mine, theirs] = side === 'server' ? (['down', 'up'] as const) : (['up', 'down'] as const);
    this.peerConsumed = new HeaderWord(fd, CONSUMED_AT[mine]);
    this.ownConsumed = new HeaderWord(fd, CONSUMED_AT[theirs]);
    this.broadcastConsumed = new HeaderWord(fd, CONSUMED_AT.broadcast);
  }

  /**
   * Writes one frame into this side's ring; returns the note to send over the websocket, or null when the frame does
   * not fit a record (or the write failed, e.g. tmpfs full): send that frame over the websocket instead.
   */
  write(frame: Uint8Array): RecordNote | null {
    if (this.closed || frame.length > this.slotBytes) return null;
    const consumed = this.peerConsumed.get();
    if (consumed === null || (this.writeSeq - consumed) >>> 0 >= this.slots) return null; // the reader is a ring behind
    const seq = (this.writeSeq + 1) >>> 0;
    if (!this.writeRing.write(seq, frame)) return null;
    this.writeSeq = seq;
    return { seq, length: frame.length };
  }

  /**
   * Reads the frame a note announces from the other side's ring (or, `broadcast`, from the server's broadcast ring),
   * into a buffer of its own (its tensors may be kept, as a websocket message's may, until {@link recycle} gives it
   * back). Throws ProtocolError when the note is
   * out of sequence or out of bounds, or the record no longer holds that frame. `inspect`: see RecordRing.read.
   */
  read(note: RecordNote & { broadcast?: boolean }, inspect?: RecordInspector): Uint8Array {
    if (this.closed) throw new ProtocolError('unexpected-message', 'shm-frame on a closed shared-memory channel');
    if (note.broadcast) return this.readBroadcast(note, inspect);
    const expected = (this.readSeq + 1) >>> 0;
    if (note.seq !== expected) throw new ProtocolError('bad-field', `"shm-frame".seq: expected ${expected} (the next frame), got ${note.seq}`);
    const frame = this.readRing.read(note, inspect, (bytes) => this.readBuffers.take(bytes));
    this.readSeq = note.seq;
    // Tell the writer this record is free again (a stale value only makes it fall back to the websocket sooner).
    this.ownConsumed.set(note.seq);
    return frame;
  }

  /**
   * Peer: a broadcast record is any later one than the last read (the server sends a broadcast to a peer that is
   * behind over its own channel instead, so seqs may skip), never an earlier one.
   */
  private readBroadcast(note: RecordNote, inspect?: RecordInspector): Uint8Array {
    if (!this.broadcast) throw new ProtocolError('unexpected-message', '"shm-frame" of the broadcast ring, which this connection did not open');
    const ahead = (note.seq - this.broadcastReadSeq) >>> 0;
    if (ahead === 0 || ahead >= 0x8000_0000) {
      throw new ProtocolError('bad-field', `"shm-frame".seq: broadcast frame ${note.seq} is not after ${this.broadcastReadSeq}, the last one read`);
    }
    const frame = this.broadcast.read(note, inspect, (bytes) => this.readBuffers.take(bytes));
    this.broadcastReadSeq = note.seq;
    this.broadcastConsumed.set(note.seq);
    return frame;
  }

  /**
   * Gives back the buffer of a frame this channel read, once no view of it (the decoded message's tensors) is used any
   * more: a later read may overwrite it. Any other buffer is ignored. True if it was taken back.
   */
  recycle(buffer: ArrayBufferLike | undefined): boolean {
    return this.readBuffers.give(buffer);
  }

  /** @internal Peer: reads broadcast notes from `ring` of the open file `fd` (closed with this channel; see attachSharedBroadcast). */
  attachBroadcast(fd: number, ring: RecordRing): void {
    if (this.broadcastFd !== undefined) closeSync(this.broadcastFd);
    this.broadcastFd = fd;
    this.broadcast = ring;
  }

  /** @internal Server: broadcast record `seq` was announced to this peer. */
  announcedBroadcast(seq: number): void {
    this.broadcastNoted = seq;
  }

  /**
   * @internal Server: whether writing broadcast record `seq` into a ring of `slots` keeps every record announced to
   * this peer and not yet read: it has read all of them, or the slot `seq` reuses held one it has read.
   */
  broadcastKeepsUnread(seq: number, slots: number): boolean {
    if (this.closed) return true; // nobody reads for it any more
    const consumed = this.broadcastConsumed.get();
    if (consumed === null) return false;
    return this.broadcastNoted === consumed || (seq - consumed) >>> 0 <= slots;
  }

  /**
   * Server: checks the peer's echo of the probe. On success the channel carries frames from now on; either way the
   * file is unlinked (both ends hold it open).
   */
  acceptProbe(echo: Uint8Array): boolean {
    this.unlink();
    if (this.closed || echo.length !== PROBE_BYTES) return false;
    const probe = Buffer.alloc(PROBE_BYTES);
    readSync(this.fd, probe, 0, PROBE_BYTES, PROBE_AT);
    return timingSafeEqual(probe, echo);
  }

  /** Removes the file's name (idempotent); the open descriptors keep its memory until closed. */
  unlink(): void {
    if (this.side !== 'server' || this.unlinked) return;
    this.unlinked = true;
    try {
      unlinkSync(this.path);
    } catch {
      // already gone
    }
  }

  /** Closes the descriptor (and unlinks the file if the server still had it named). */
  close(): void {
    if (this.closed) return;
    this.unlink();
    this.closed = true;
    closeSync(this.fd);
    if (this.broadcastFd !== undefined) closeSync(this.broadcastFd);
    this.broadcast = this.broadcastFd = undefined;
  }
}

/** What a 'shared-memory' event (of a Peer or a ProtocolClient) says: whether large frames now skip the socket, and if not, why. */
export interface SharedMemoryOutcome {
  on: boolean;
  reason: string;
}

/** What a `shm-offer` carries: where the file is and its geometry. */
export interface SharedFrameOffer {
  path: string;
  slotBytes: number;
  slots: number;
}

const LAYOUT_VERSION = 1;
export const HEADER_BYTES = 64;
const PROBE_AT = 16;
export const PROBE_BYTES = 32;
/**
 * Where each ring's reader records the seq of the last record it consumed: the connection's own two rings, and the
 * server's broadcast ring (each peer in its own file, see SharedBroadcastRing).
 */
const CONSUMED_AT = { down: 48, up: 52, broadcast: 56 } as const;
/**
 * Records per ring (a power of two, so slot = seq mod slots survives the u32 wrap): training keeps at most ~2 tensor
 * frames in flight per direction (a pull's answer, a broadcast); more, and the rest take the websocket.
 */
export const SHARED_FRAME_SLOTS = 4;
/** Whether `n` records per ring is a geometry both sides accept. */
export const validSlotCount = (n: number): boolean => Number.isInteger(n) && n >= 1 && n <= 64 && (n & (n - 1)) === 0;
/** Largest slot a server may offer (and a peer accept): a record is this plus 12 bytes. */
export const MAX_SHARED_SLOT_BYTES = 1 << 30;
/** Frames smaller than this go over the websocket even on a shared-memory channel: the note would cost as much. */
export const SHARED_FRAME_MIN_BYTES = 32 * 1024;

/** /dev/shm when the host has it (Linux), the temp folder otherwise (still page cache, if not tmpfs). */
export function sharedDir(): string {
  try {
    if (statSync('/dev/shm').isDirectory()) return '/dev/shm';
  } catch {
    // no /dev/shm
  }
  return tmpdir();
}

const FILE_NAME = /^tensorfleet-(\d+)-[0-9a-f]{24}$/;
const swept = new Set<string>();

/**
 * Removes the shared files of servers that died while a file had a name (a connection's between the offer and its
 * answer, a broadcast ring's for the server's life): those whose pid in the name is no longer a process. Once per
 * folder per process; best effort.
 */
export function sweepSharedFiles(dir = sharedDir()): string[] {
  if (swept.has(dir)) return [];
  swept.add(dir);
  const removed: string[] = [];
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    return removed;
  }
  for (const name of names) {
    const pid = Number(FILE_NAME.exec(name)?.[1] ?? NaN);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      process.kill(pid, 0);
      continue; // alive (or not ours to signal): keep it
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') continue;
    }
    try {
      unlinkSync(join(dir, name));
      removed.push(name);
    } catch {
      // another user's file, or already gone
    }
  }
  return removed;
}

/** The two kinds of shared file: a connection's (two rings, one per direction) and a server's broadcast ring. */
export const SHARED_FILE_KINDS = {
  connection: { magic: Buffer.from('TFLS', 'latin1'), rings: 2 },
  broadcast: { magic: Buffer.from('TFLB', 'latin1'), rings: 1 },
} as const;
type SharedFileKind = (typeof SHARED_FILE_KINDS)[keyof typeof SHARED_FILE_KINDS];

const fileBytesFor = (kind: SharedFileKind, slotBytes: number, slots: number) => HEADER_BYTES + kind.rings * slots * recordBytesFor(slotBytes);

/**
 * @internal Creates a fresh shared file of `kind` (0600, exclusive, a random name `tensorfleet-<pid>-<hex>` that
 * sweepSharedFiles recognises) with its header and a random probe; returns its descriptor and path.
 */
export function createSharedFile(kind: SharedFileKind, slotBytes: number, slots: number, dir = sharedDir()): { fd: number; path: string } {
  if (!(Number.isInteger(slotBytes) && slotBytes > 0 && slotBytes <= MAX_SHARED_SLOT_BYTES)) {
    throw new TypeError(`shared file: slotBytes must be an integer in [1, ${MAX_SHARED_SLOT_BYTES}], got ${slotBytes}`);
  }
  if (!validSlotCount(slots)) throw new TypeError(`shared file: slots must be a power of two in [1, 64], got ${slots}`);
  sweepSharedFiles(dir);
  const path = join(dir, `tensorfleet-${process.pid}-${randomBytes(12).toString('hex')}`);
  const fd = openSync(path, constants.O_RDWR | constants.O_CREAT | constants.O_EXCL, 0o600);
  try {
    ftruncateSync(fd, fileBytesFor(kind, slotBytes, slots));
    const header = Buffer.alloc(HEADER_BYTES);
    kind.magic.copy(header, 0);
    header.writeUInt32LE(LAYOUT_VERSION, 4);
    header.writeUInt32LE(slotBytes, 8);
    header.writeUInt32LE(slots, 12);
    randomBytes(PROBE_BYTES).copy(header, PROBE_AT);
    writevSync(fd, [header], 0);
  } catch (error) {
    closeSync(fd);
    unlinkSync(path);
    throw error;
  }
  return { fd, path };
}

/**
 * @internal Opens an offered shared file of `kind` after checking it can be trusted; returns its descriptor and
 * probe. Throws an Error saying why the file cannot be used (not there: another host; not ours, not a regular file,
 * another geometry), so the peer can decline and stay on the wire.
 */
export function openSharedFile(kind: SharedFileKind, path: string, slotBytes: number, slots: number): { fd: number; probe: Uint8Array } {
  // O_NOFOLLOW: the server names a file it created itself, never a link to somewhere else.
  const fd = openSync(path, constants.O_RDWR | constants.O_NOFOLLOW);
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new Error(`${path} is not a regular file`);
    if (typeof process.getuid === 'function' && stat.uid !== process.getuid()) throw new Error(`${path} belongs to uid ${stat.uid}, not this process's`);
    if ((stat.mode & 0o077) !== 0) throw new Error(`${path} is readable by others (mode ${(stat.mode & 0o777).toString(8)})`);
    const size = fileBytesFor(kind, slotBytes, slots);
    if (stat.size !== size) throw new Error(`${path} has ${stat.size} bytes, the offer means ${size}`);
    const header = Buffer.alloc(HEADER_BYTES);
    readSync(fd, header, 0, HEADER_BYTES, 0);
    const same = header.subarray(0, 4).equals(kind.magic) && header.readUInt32LE(4) === LAYOUT_VERSION
      && header.readUInt32LE(8) === slotBytes && header.readUInt32LE(12) === slots;
    if (!same) throw new Error(`${path} does not hold the offered shared-memory layout`);
    return { fd, probe: header.subarray(PROBE_AT, PROBE_AT + PROBE_BYTES) };
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}

/** Server side: creates a fresh shared file for one peer with records of `slotBytes`, and the offer to send it. */
export function createSharedFrameFile(slotBytes: number, slots = SHARED_FRAME_SLOTS, dir = sharedDir()): { channel: SharedFrameChannel; offer: SharedFrameOffer } {
  const { fd, path } = createSharedFile(SHARED_FILE_KINDS.connection, slotBytes, slots, dir);
  return { channel: new SharedFrameChannel(fd, path, 'server', slotBytes, slots), offer: { path, slotBytes, slots } };
}

/** Peer side: opens an offered file (see openSharedFile for what it refuses) and reads its probe. */
export function openSharedFrameFile(offer: SharedFrameOffer): { channel: SharedFrameChannel; probe: Uint8Array } {
  const { fd, probe } = openSharedFile(SHARED_FILE_KINDS.connection, offer.path, offer.slotBytes, offer.slots);
  return { channel: new SharedFrameChannel(fd, offer.path, 'peer', offer.slotBytes, offer.slots), probe };
}
