import type { Peer } from './server.js';

/**
 * Sends one encoded frame (a TensorFrameWriter's, an encodeMessage result) to every open peer of one server. Peers
 * that share the server's broadcast ring get it through there: the frame is written once, whatever their number, and
 * each gets only a short note on its socket. The others (on another host, declined, or a reader behind on the ring)
 * get it their own way (Peer.sendFrame). `hold` is called once per such send for the release to run when that send
 * is done with the bytes; the ring's write is a copy, so it needs none.
 * @example
 * const f = writer.begin(); ...; const frame = f.seal(fields);
 * sendFrameToAll(peers, frame, () => f.hold());
 * f.done();
 */
export function sendFrameToAll(peers: Iterable<Peer | undefined>, frame: Uint8Array, hold: () => () => void): void {
  const open: Peer[] = [];
  for (const peer of peers) if (peer?.isOpen) open.push(peer);
  // One server, one ring: every peer reading one reads the same.
  const ring = open.find((peer) => peer.broadcastRing)?.broadcastRing;
  const note = ring?.write(frame) ?? null;
  for (const peer of open) {
    if (note && peer.broadcastRing === ring) {
      peer.sendBroadcastNote(note);
      continue;
    }
    const release = hold();
    if (!peer.sendFrame(frame, release)) release();
  }
}
