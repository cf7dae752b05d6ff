import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { existsSync, openSync, closeSync, writeSync } from 'node:fs';
import { connectProtocolClient, type ProtocolClient } from './client.js';
import { encodeMessage } from './codec.js';
import type { ProtocolError } from './errors.js';
import type { ParamsMessage } from './messages.js';
import { sendFrameToAll } from './peer-broadcast.js';
import { createProtocolServer, type Peer } from './server.js';
import { attachSharedBroadcast, SharedBroadcastRing } from './shared-broadcast.js';
import { createSharedFrameFile, openSharedFrameFile, SHARED_FRAME_MIN_BYTES, SHARED_FRAME_SLOTS, type SharedMemoryOutcome } from './shared-memory.js';

const slotBytes = 2 * SHARED_FRAME_MIN_BYTES;
const frameOf = (seed: number, length = SHARED_FRAME_MIN_BYTES + 100) => Buffer.from(Array.from({ length }, (_, i) => (i * 13 + seed) & 255));

/** A connection (server and peer channels) whose peer also reads `ring`. */
function reader(ring: SharedBroadcastRing) {
  const created = createSharedFrameFile(slotBytes);
  const opened = openSharedFrameFile(created.offer);
  attachSharedBroadcast(opened.channel, ring.path);
  assert.equal(created.channel.acceptProbe(opened.probe), true);
  ring.addReader(created.channel);
  return { server: created.channel, peer: opened.channel };
}

test('a broadcast frame is written once and read by every reader; a reader behind keeps its records, and then nothing is overwritten', () => {
  const ring = SharedBroadcastRing.create(slotBytes);
  const [a, b] = [reader(ring), reader(ring)];
  try {
    const first = ring.write(frameOf(1))!;
    assert.deepEqual(first, { seq: 1, length: SHARED_FRAME_MIN_BYTES + 100 });
    a.server.announcedBroadcast(first.seq);
    b.server.announcedBroadcast(first.seq);
    assert.deepEqual(Buffer.from(a.peer.read({ ...first, broadcast: true })), frameOf(1));
    assert.deepEqual(Buffer.from(b.peer.read({ ...first, broadcast: true })), frameOf(1));
    assert.equal(ring.framesWritten, 1);
    assert.equal(ring.write(frameOf(2, SHARED_FRAME_MIN_BYTES - 1)), null, 'a small frame is left to the socket');
    assert.equal(ring.write(frameOf(2, slotBytes + 1)), null, 'a frame larger than a slot too');
    // a reads along, b stops reading: b's unread records are kept, so the ring stops at a ring's worth.
    const unread: { seq: number; length: number }[] = [];
    for (let i = 0; i < SHARED_FRAME_SLOTS; i++) {
      const note = ring.write(frameOf(10 + i))!;
      assert.ok(note, `frame ${i} fits`);
      a.server.announcedBroadcast(note.seq);
      b.server.announcedBroadcast(note.seq);
      assert.deepEqual(Buffer.from(a.peer.read({ ...note, broadcast: true })), frameOf(10 + i));
      unread.push(note);
    }
    assert.equal(ring.write(frameOf(20)), null, 'b has a ring of unread records: each peer gets the next frame its own way');
    assert.deepEqual(Buffer.from(b.peer.read({ ...unread[0]!, broadcast: true })), frameOf(10), 'b\'s oldest unread record is intact');
    const next = ring.write(frameOf(21))!;
    assert.equal(next.seq, 6, 'one record read, one free again');
    // b skipped nothing it was told of; a reader may skip seqs (frames sent its own way), never go back.
    assert.throws(() => b.peer.read({ ...unread[0]!, broadcast: true }), (e: ProtocolError) => e.code === 'bad-field' && /is not after 2/.test(e.message));
    assert.deepEqual(Buffer.from(b.peer.read({ ...next, broadcast: true })), frameOf(21));
    // A broadcast note to a connection that never opened the ring (or from a worker) is refused.
    assert.throws(() => a.server.read({ ...next, broadcast: true }), (e: ProtocolError) => e.code === 'unexpected-message' && /did not open/.test(e.message));
  } finally {
    for (const c of [a, b]) {
      c.server.close();
      c.peer.close();
    }
    ring.close();
  }
  assert.equal(existsSync(ring.path), false, 'closed, the ring\'s file is gone');
});

test('a broadcast record changed before it was read is refused, never read as the frame its note names', () => {
  const ring = SharedBroadcastRing.create(slotBytes);
  const a = reader(ring);
  const tamper = openSync(ring.path, 'r+');
  try {
    const note = ring.write(frameOf(3))!;
    writeSync(tamper, Buffer.from([9, 0, 0, 0]), 0, 4, 64 + (note.seq % SHARED_FRAME_SLOTS) * ((12 + slotBytes + 7) & ~7));
    assert.throws(() => a.peer.read({ ...note, broadcast: true }), (e: ProtocolError) => e.code === 'bad-frame' && /holds frame 9/.test(e.message));
  } finally {
    closeSync(tamper);
    a.server.close();
    a.peer.close();
    ring.close();
  }
});

const token = 'broadcast-test-token';
const shapes = { parameterShapes: [[200, 100], [100]], stateShapes: [] as number[][] };
const paramsOf = (seed: number) => shapes.parameterShapes.map((s) => Float32Array.from({ length: s.reduce((a, b) => a * b, 1) }, (_, i) => Math.cos(i * seed)));

test('over real sockets: sendFrameToAll writes the frame once for the peers that share memory and sends it whole to the one that declined', async () => {
  const server = await createProtocolServer({ token, maxPayload: 1 << 22 });
  server.shapes = shapes;
  const clients: ProtocolClient[] = [];
  const peers: Peer[] = [];
  try {
    for (const sharedMemory of [true, true, false]) {
      const joined = once(server, 'peer').then(([p]) => p as Peer);
      const client = await connectProtocolClient({ url: server.url, token, reconnect: false, sharedMemory });
      client.shapes = shapes;
      const peer = await joined;
      const answered = once(peer, 'shared-memory').then(([o]) => o as SharedMemoryOutcome);
      assert.equal(peer.offerSharedMemory(4 * 20_100 + 8192), true);
      assert.equal((await answered).on, sharedMemory);
      clients.push(client);
      peers.push(peer);
    }
    const tcp = peers.map((p) => (p.socket as unknown as { _socket: { bytesWritten: number } })._socket);
    const before = tcp.map((s) => s.bytesWritten);
    const received = clients.map((c) => once(c, 'message').then(([m]) => m as ParamsMessage));
    const frame = encodeMessage({ type: 'params', step: 7, epoch: 1, lr: 0.05, params: paramsOf(3), states: [] });
    let holds = 0;
    sendFrameToAll(peers, frame, () => {
      holds += 1;
      return () => {};
    });
    const got = await Promise.all(received);
    for (const m of got) {
      assert.equal(m.step, 7);
      assert.deepEqual(m.params, paramsOf(3));
    }
    const ring = server.broadcastRingFor(1)!;
    assert.equal(ring.framesWritten, 1, 'written once for both sharing peers');
    assert.equal(existsSync(ring.path), true, 'the ring keeps its name while the server serves');
    assert.equal(holds, 1, 'only the declining peer\'s send holds the frame');
    const out = tcp.map((s, i) => s.bytesWritten - before[i]!);
    assert.ok(out[0]! < 200 && out[1]! < 200, `sharing peers got notes only: ${out}`);
    assert.ok(out[2]! > frame.length, `the declining peer got the frame: ${out[2]} bytes`);
    await server.close();
    assert.equal(existsSync(ring.path), false, 'closing the server unlinks the ring');
  } finally {
    for (const c of clients) c.close();
    await server.close();
  }
});
