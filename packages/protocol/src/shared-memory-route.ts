import type { WebSocket } from 'ws';
import { encodeMessage } from './codec.js';
import { ProtocolError } from './errors.js';
import { decodeFrame } from './frame.js';
import type { Message, ShmFrameMessage } from './messages.js';
import { PayloadScan } from './payload-scan.js';
import { SHARED_FRAME_MIN_BYTES, type SharedFrameChannel } from './shared-memory.js';
import { validateMessage, type ValidationContext } from './validate.js';

/** Messages that set up or carry the side channel: never themselves inside a shared-memory frame. */
const CHANNEL_TYPES = new Set(['shm-offer', 'shm-accept', 'shm-frame']);

/**
 * Sends one encoded frame: through the connection's shared-memory channel when it has one and the frame is large
 * (then only a shm-frame note goes over the socket, and `onWritten` runs at once: the bytes are already copied), over
 * the socket otherwise. Both ways keep the order of every message on the connection. Returns true when the frame went
 * through shared memory.
 * @example
 * sendFrameOver(peer.sharedChannel, socket, frame, release);
 */
export function sendFrameOver(channel: SharedFrameChannel | undefined, socket: WebSocket, frame: Uint8Array, onWritten?: () => void): boolean {
  const note = channel && frame.length >= SHARED_FRAME_MIN_BYTES ? channel.write(frame) : null;
  if (!note) {
    socket.send(frame, onWritten && (() => onWritten()));
    return false;
  }
  socket.send(encodeMessage({ type: 'shm-frame', ...note, broadcast: false }));
  onWritten?.();
  return true;
}

/**
 * Resolves a shm-frame note into the message it announces, read from the channel and then decoded and validated as
 * a frame from the socket would be. Throws ProtocolError: a note without an accepted channel, a note out of sequence,
 * a record overwritten, or any problem of the frame itself.
 */
export function readSharedFrame(channel: SharedFrameChannel | undefined, note: ShmFrameMessage, ctx: ValidationContext): Message {
  if (!channel) throw new ProtocolError('unexpected-message', '"shm-frame" without an accepted shared-memory channel');
  const scan = new PayloadScan();
  const frame = channel.read(note, (bytes, available) => scan.feed(bytes, available));
  const message = validateMessage(decodeFrame(frame), { ...ctx, payloadKnownFinite: scan.allFinite(frame.length) });
  if (CHANNEL_TYPES.has(message.type)) throw new ProtocolError('unexpected-message', `"${message.type}" inside a shared-memory frame`);
  return message;
}
