import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { chmodSync, closeSync, existsSync, mkdtempSync, openSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectProtocolClient } from './client.js';
import { ProtocolError } from './errors.js';
import type { ParamsMessage, PushMessage } from './messages.js';
import { createProtocolServer, type Peer } from './server.js';
import { createSharedFrameFile, openSharedFrameFile, SHARED_FRAME_MIN_BYTES, SHARED_FRAME_SLOTS, sweepSharedFiles, type SharedMemoryOutcome } from './shared-memory.js';
import { spawnSync } from 'node:child_process';

const bytesOf = (length: number, seed: number) => Buffer.from(Array.from({ length }, (_, i) => (i * 31 + seed) & 255));

function pair(slotBytes = 4096) {
  const server = createSharedFrameFile(slotBytes);
  const peer = openSharedFrameFile(server.offer);
  assert.equal(server.channel.acceptProbe(peer.probe), true);
  return { server: server.channel, peer: peer.channel, path: server.offer.path };
}

test('frames written on one side read back byte for byte on the other, both ways, past the end of the ring', () => {
  const { server, peer, path } = pair();
  try {
    assert.equal(existsSync(path), false, 'the file is unlinked once the peer answered');
    for (let i = 0; i < 3 * SHARED_FRAME_SLOTS; i++) {
      const down = bytesOf(100 + 37 * i, i);
      const note = server.write(down)!;
      assert.deepEqual(note, { seq: i + 1, length: down.length });
      assert.deepEqual(Buffer.from(peer.read(note)), down);
      const up = bytesOf(4096 - i, 7 * i);
      assert.deepEqual(Buffer.from(server.read(peer.write(up)!)), up);
    }
    assert.equal(server.write(Buffer.alloc(4097)), null, 'a frame larger than a slot is left to the websocket');
  } finally {
    server.close();
    peer.close();
  }
});

test('a writer a ring ahead of its reader falls back to the socket; a note out of sequence or too long, or a record changed before it was read, is refused', () => {
  const created = createSharedFrameFile(4096);
  const tamper = openSync(created.offer.path, 'r+'); // what a buggy or hostile process with the file could do
  const opened = openSharedFrameFile(created.offer);
  created.channel.acceptProbe(opened.probe);
  const [server, peer] = [created.channel, opened.channel];
  try {
    const notes = Array.from({ length: SHARED_FRAME_SLOTS }, (_, i) => server.write(bytesOf(200, i))!);
    assert.equal(server.write(bytesOf(200, 9)), null, 'the ring is full: the next frame takes the websocket');
    assert.throws(() => peer.read({ seq: 2, length: 200 }), (e: ProtocolError) => e.code === 'bad-field' && /expected 1/.test(e.message));
    assert.throws(() => peer.read({ seq: 1, length: 5000 }), (e: ProtocolError) => e.code === 'bad-field' && /exceeds the 4096-byte slot/.test(e.message));
    assert.throws(() => peer.read({ seq: 1, length: 199 }), (e: ProtocolError) => e.code === 'bad-frame' && /holds frame 1 \(200 bytes/.test(e.message));
    assert.deepEqual(Buffer.from(peer.read(notes[0]!)), bytesOf(200, 0));
    assert.ok(server.write(bytesOf(200, 10)), 'one record consumed, one frame fits again');
    // Record 2's head says frame 7 now: refused, never read as frame 2.
    const recordBytes = (12 + 4096 + 7) & ~7;
    writeSync(tamper, Buffer.from([7, 0, 0, 0]), 0, 4, 64 + 2 * recordBytes);
    assert.throws(() => peer.read(notes[1]!), (e: ProtocolError) => e.code === 'bad-frame' && /holds frame 7/.test(e.message) && /overwritten/.test(e.message));
  } finally {
    closeSync(tamper);
    server.close();
    peer.close();
  }
});

test('the shared file is private to its owner, and a peer refuses files it should not trust', () => {
  const created = createSharedFrameFile(1024);
  const dir = mkdtempSync(join(tmpdir(), 'tf-shm-'));
  try {
    assert.equal(statSync(created.offer.path).mode & 0o777, 0o600);
    assert.throws(() => openSharedFrameFile({ ...created.offer, path: join(dir, 'absent') }), /ENOENT/);
    const link = join(dir, 'link');
    symlinkSync(created.offer.path, link);
    assert.throws(() => openSharedFrameFile({ ...created.offer, path: link }), /ELOOP/);
    assert.throws(() => openSharedFrameFile({ ...created.offer, slotBytes: 2048 }), /has \d+ bytes, the offer means/);
    const open = join(dir, 'open');
    writeFileSync(open, Buffer.alloc(100));
    chmodSync(open, 0o644);
    assert.throws(() => openSharedFrameFile({ ...created.offer, path: open }), /readable by others \(mode 644\)/);
    const peer = openSharedFrameFile(created.offer);
    assert.equal(created.channel.acceptProbe(Buffer.alloc(32)), false, 'a wrong probe is not a proof');
    peer.channel.close();
  } finally {
    created.channel.close();
    rmSync(dir, { recursive: true, force: true });
  }
  assert.equal(existsSync(created.offer.path), false);
});

const token = 'shm-test-token';
const shapes = { parameterShapes: [[300, 100], [100]], stateShapes: [[10]] };
const tensorsOf = (seed: number) => shapes.parameterShapes.map((s) => Float32Array.from({ length: s.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i + seed)));

/** A server that offers shared memory to its one peer, and a client; returns both sides' outcomes. */
async function connected(clientOptions: { sharedMemory?: boolean } = {}) {
  const server = await createProtocolServer({ token, maxPayload: 1 << 22 });
  server.shapes = shapes;
  const peerJoined = once(server, 'peer').then(([p]) => p as Peer);
  const client = await connectProtocolClient({ url: server.url, token, reconnect: false, ...clientOptions });
  client.shapes = shapes;
  const peer = await peerJoined;
  const serverSide = once(peer, 'shared-memory').then(([o]) => o as SharedMemoryOutcome);
  const clientSide = once(client, 'shared-memory').then(([o]) => o as SharedMemoryOutcome);
  assert.equal(peer.offerSharedMemory(4 * 30_200 + 8192), true);
  return { server, client, peer, outcomes: await Promise.all([serverSide, clientSide]) };
}

test('over real sockets: a co-located client takes the offer, and large frames skip the socket both ways, tensors intact', async () => {
  const { server, client, peer, outcomes } = await connected();
  try {
    assert.deepEqual(outcomes, [{ on: true, reason: '' }, { on: true, reason: '' }]);
    assert.equal(peer.sharingMemory, true);
    assert.equal(client.sharingMemory, true);
    const tcp = (peer.socket as unknown as { _socket: { bytesRead: number; bytesWritten: number } })._socket;
    const [read0, written0] = [tcp.bytesRead, tcp.bytesWritten];
    const received = once(client, 'message').then(([m]) => m as ParamsMessage);
    peer.send({ type: 'params', step: 3, epoch: 0, lr: 0.1, params: tensorsOf(1), states: [new Float32Array(10).fill(2)] });
    const params = await received;
    assert.equal(params.step, 3);
    assert.deepEqual(params.params, tensorsOf(1));
    assert.deepEqual(params.states, [new Float32Array(10).fill(2)]);
    const pushed = once(peer, 'message').then(([m]) => m as PushMessage);
    client.send({ type: 'push', step: 3, loss: 1, count: 4, correct: 2, computeMs: 1, commMs: 0, grads: tensorsOf(2), states: [new Float32Array(10)] });
    const push = await pushed;
    assert.deepEqual(push.grads, tensorsOf(2));
    // 2 × 121 KB of tensors crossed, a few hundred bytes of notes went over the socket.
    assert.ok(tcp.bytesWritten - written0 < 200 && tcp.bytesRead - read0 < 200, `socket bytes: ${tcp.bytesWritten - written0} out, ${tcp.bytesRead - read0} in`);
    // A burst of more frames than a ring holds (a data file fetched many chunks at a time): all arrive, in order.
    const burst: ParamsMessage[] = [];
    const all = new Promise<void>((resolve) => client.on('message', (m: ParamsMessage) => burst.push(m) === 3 * SHARED_FRAME_SLOTS && resolve()));
    for (let i = 0; i < 3 * SHARED_FRAME_SLOTS; i++) peer.send({ type: 'params', step: 10 + i, epoch: 0, lr: 0.1, params: tensorsOf(i), states: [new Float32Array(10)] });
    await all;
    client.removeAllListeners('message');
    assert.deepEqual(burst.map((m) => m.step), Array.from({ length: 3 * SHARED_FRAME_SLOTS }, (_, i) => 10 + i));
    burst.forEach((m, i) => assert.deepEqual(m.params, tensorsOf(i)));
    const [read1, written1] = [tcp.bytesRead, tcp.bytesWritten];
    // Small frames still take the socket (a note would cost as much).
    const small = once(client, 'message');
    peer.send({ type: 'barrier', step: 3, epoch: 0, action: 'validate' });
    assert.equal(((await small)[0] as { type: string }).type, 'barrier');
    assert.ok(tcp.bytesWritten - written1 < SHARED_FRAME_MIN_BYTES && tcp.bytesRead === read1);
  } finally {
    client.close();
    await server.close();
  }
});

test('over real sockets: a push frame the server recycles lends its buffer to the next one; one it keeps is never overwritten', async () => {
  const { server, client, peer } = await connected();
  try {
    const push = async (step: number) => {
      const pushed = once(peer, 'message').then(([m]) => m as PushMessage);
      client.send({ type: 'push', step, loss: 1, count: 4, correct: 2, computeMs: 1, commMs: 0, grads: tensorsOf(step), states: [new Float32Array(10)] });
      return pushed;
    };
    const kept = await push(1);
    const second = await push(2);
    assert.notEqual(second.grads[0]!.buffer, kept.grads[0]!.buffer, 'the first was not given back');
    assert.equal(peer.recycleFrame(second.grads), true);
    const third = await push(3);
    assert.equal(third.grads[0]!.buffer, second.grads[0]!.buffer, 'read into the recycled buffer');
    assert.deepEqual(third.grads, tensorsOf(3));
    assert.deepEqual(kept.grads, tensorsOf(1), 'a frame not given back keeps its values');
    assert.equal(peer.recycleFrame([new Float32Array(4)]), false, 'a buffer the channel did not lend is ignored');
  } finally {
    client.close();
    await server.close();
  }
});

test('over real sockets: a push with a NaN that comes through shared memory is still refused, naming where the NaN is', async () => {
  const { server, client, peer } = await connected();
  try {
    const rejected = once(peer, 'rejected').then(([e]) => e as ProtocolError);
    const grads = tensorsOf(4);
    grads[0]![29_000] = NaN;
    client.send({ type: 'push', step: 1, loss: 1, count: 4, correct: 2, computeMs: 1, commMs: 0, grads, states: [new Float32Array(10)] });
    const error = await rejected;
    assert.equal(error.code, 'non-finite');
    assert.match(error.message, /"push".grads\[0\]\[29000\] is NaN/);
  } finally {
    client.close();
    await server.close();
  }
});

test('a client with sharedMemory off declines, says why, and every frame still arrives over the socket', async () => {
  const { server, client, peer, outcomes } = await connected({ sharedMemory: false });
  try {
    assert.equal(outcomes[0].on, false);
    assert.match(outcomes[0].reason, /declined: shared memory is off/);
    assert.equal(peer.sharingMemory, false);
    const received = once(client, 'message').then(([m]) => m as ParamsMessage);
    peer.send({ type: 'params', step: 1, epoch: 0, lr: 0.1, params: tensorsOf(3), states: [new Float32Array(10)] });
    assert.deepEqual((await received).params, tensorsOf(3));
  } finally {
    client.close();
    await server.close();
  }
});

test('a shm-frame note without an accepted channel is refused and the connection closed', async () => {
  const server = await createProtocolServer({ token, maxPayload: 1 << 20 });
  const joined = once(server, 'peer').then(([p]) => p as Peer);
  const client = await connectProtocolClient({ url: server.url, token, reconnect: false });
  const peer = await joined;
  const rejected = once(peer, 'rejected').then(([e]) => e as ProtocolError);
  const failed = once(client, 'failed').then(([e]) => e as ProtocolError);
  client.send({ type: 'shm-frame', seq: 1, length: 4096, broadcast: false });
  try {
    const error = await rejected;
    assert.equal(error.code, 'unexpected-message');
    assert.match(error.message, /without an accepted shared-memory channel/);
    assert.match((await failed).message, /without an accepted shared-memory channel/);
  } finally {
    await server.close();
  }
});

test('a file left by a server that died before its peer answered is swept; a live server\'s is kept', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tf-shm-sweep-'));
  try {
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout; // a pid that has exited
    const names = { dead: `tensorfleet-${dead}-${'a'.repeat(24)}`, alive: `tensorfleet-${process.ppid}-${'b'.repeat(24)}`, other: 'someone-else' };
    for (const name of Object.values(names)) writeFileSync(join(dir, name), 'x');
    assert.deepEqual(sweepSharedFiles(dir), [names.dead]);
    assert.deepEqual(readdirSync(dir).sort(), [names.alive, names.other].sort());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
