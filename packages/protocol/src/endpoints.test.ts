import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { WebSocket } from 'ws';
import { clientResponse, makeNonce } from './auth.js';
import { connectProtocolClient, type ProtocolClient } from './client.js';
import { encodeMessage } from './codec.js';
import { ProtocolError } from './errors.js';
import { decodeFrame, encodeFrame } from './frame.js';
import type { Message, ServerMessage } from './messages.js';
import { createProtocolServer, type Peer, type ProtocolServer } from './server.js';

const token = 'test-token';
const shapes = { parameterShapes: [[4, 2], [2]], stateShapes: [[2]] };
const fixture = (name: string) => readFileSync(new URL(`../fixtures/${name}`, import.meta.url));

async function withServer(fn: (server: ProtocolServer) => Promise<void>, extra: Record<string, unknown> = {}) {
  const server = await createProtocolServer({ token, maxPayload: 4096, ...extra });
  server.shapes = shapes;
  try {
    await fn(server);
  } finally {
    await server.close();
  }
}

function nextMessage(client: ProtocolClient): Promise<ServerMessage> {
  return once(client, 'message').then(([m]) => m as ServerMessage);
}

/** Authenticates by hand over a bare ws socket so a test can then send arbitrary bytes. */
async function rawSocket(url: string, secret = token): Promise<{ ws: WebSocket; received: Message[]; closed: Promise<[number, string]> }> {
  const ws = new WebSocket(url, { generateMask: (m: Buffer) => void m.fill(0) });
  const received: Message[] = [];
  const closed = once(ws, 'close').then(([code, reason]) => [code as number, String(reason)] as [number, string]);
  const nonce = makeNonce();
  ws.on('message', (data) => {
    const m = decodeFrame(data as Buffer) as unknown as Message;
    received.push(m);
    if (m.type === 'challenge') ws.send(encodeMessage({ type: 'auth', response: clientResponse(secret, m.nonce, nonce) }));
  });
  await once(ws, 'open');
  ws.send(encodeMessage({ type: 'hello', role: 'worker', clientNonce: nonce, rank: -1, runId: '', name: 'raw' }));
  if (secret === token) while (!received.some((m) => m.type === 'welcome')) await once(ws, 'message');
  return { ws, received, closed };
}

const goodPush = () => ({
  type: 'push' as const, step: 0, loss: 1, count: 4, correct: 2, computeMs: 1, commMs: 0,
  grads: [Float32Array.from({ length: 8 }, (_, i) => i / 8), Float32Array.from([1, 2])], states: [Float32Array.from([3, 4])],
});

test('authenticated round trip over real sockets: push to server, params back, heartbeats answered', async () => {
  await withServer(async (server) => {
    const peers: Peer[] = [];
    server.on('peer', (p: Peer) => peers.push(p));
    const client = await connectProtocolClient({ url: server.url, token, name: 'w0', heartbeatIntervalMs: 20 });
    client.shapes = shapes;
    assert.equal(peers.length, 1);
    assert.equal(peers[0]!.hello.name, 'w0');
    const got = once(peers[0]!, 'message');
    client.send(goodPush());
    const [push] = await got;
    assert.equal(push.type, 'push');
    assert.deepEqual(Array.from(push.grads[0]), Array.from(goodPush().grads[0]));
    const reply = nextMessage(client);
    peers[0]!.send({ type: 'params', step: 1, epoch: 0, lr: 0.1, params: [new Float32Array(8).fill(7), new Float32Array(2)], states: [new Float32Array(2)] });
    const params = await reply;
    assert.equal(params.type, 'params');
    assert.equal(params.type === 'params' && params.params[0]![3], 7);
    await new Promise((r) => setTimeout(r, 80)); // several heartbeats go by without surfacing as messages
    assert.ok(client.connected);
    client.close();
    const [code] = await once(peers[0]!, 'close');
    assert.equal(code, 1000);
  });
});

test('received tensors are views into the frame buffer (zero copy) on the server', async () => {
  await withServer(async (server) => {
    const peerP = once(server, 'peer');
    const client = await connectProtocolClient({ url: server.url, token });
    const [peer] = (await peerP) as [Peer];
    const got = once(peer, 'message');
    client.send(goodPush());
    const [push] = await got;
    const g = push.grads[0] as Float32Array;
    assert.ok(g.buffer.byteLength > g.byteLength, 'a view into a larger received buffer, not a fresh array');
    assert.equal(push.grads[1].buffer, g.buffer, 'all tensors share the one receive buffer');
    client.close();
  });
});

for (const [name, bytes, code] of [
  ['bad magic', () => Buffer.concat([Buffer.from('XXXX'), encodeMessage({ type: 'pull' }).subarray(4)]), 'bad-magic'],
  ['truncated', () => encodeMessage(goodPush()).subarray(0, 40), 'truncated'],
  ['unknown type', () => encodeFrame({ type: 'explode', v: 1 }), 'unknown-type'],
  ['wrong shapes', () => encodeMessage({ ...goodPush(), grads: [new Float32Array(7), new Float32Array(2)] }), 'bad-shape'],
  ['NaN gradients', () => encodeMessage({ ...goodPush(), grads: [new Float32Array(8).fill(NaN), new Float32Array(2)] }), 'non-finite'],
  ['text frame', () => 'hello', 'bad-frame'],
] as const) {
  test(`malformed frame over the wire (${name}) gets error "${code}" and the connection closed`, async () => {
    await withServer(async (server) => {
      const rejected = once(server, 'rejected');
      const peerMessages: unknown[] = [];
      server.on('peer', (p: Peer) => p.on('message', (m) => peerMessages.push(m)));
      const { ws, received, closed } = await rawSocket(server.url);
      ws.send(bytes());
      const [closeCode, reason] = await closed;
      const [error] = (await rejected) as [ProtocolError];
      assert.equal(error.code, code);
      assert.equal(closeCode, 1008);
      assert.equal(reason, code);
      const reply = received.find((m) => m.type === 'error');
      assert.ok(reply && reply.type === 'error' && reply.code === code, `error reply named ${code}`);
      assert.equal(peerMessages.length, 0, 'nothing reached the application');
    });
  });
}

test('wrong token: server refuses the response, client refuses the server, token never sent', async () => {
  await withServer(async (server) => {
    const rejected = once(server, 'rejected');
    const { received, closed } = await rawSocket(server.url, 'wrong-token');
    const [closeCode] = await closed;
    assert.equal(closeCode, 1008);
    assert.equal(((await rejected) as [ProtocolError])[0].code, 'auth-failed');
    assert.ok(received.some((m) => m.type === 'error' && m.code === 'auth-failed'));
    await assert.rejects(connectProtocolClient({ url: server.url, token: 'also-wrong' }), (e: ProtocolError) => e.code === 'auth-failed');
  });
});

test('message before authentication is refused', async () => {
  await withServer(async (server) => {
    const ws = new WebSocket(server.url);
    await once(ws, 'open');
    const replies: Message[] = [];
    ws.on('message', (d) => replies.push(decodeFrame(d as Buffer) as unknown as Message));
    ws.send(encodeMessage(goodPush()));
    const [code] = await once(ws, 'close');
    assert.equal(code, 1008);
    assert.ok(replies.some((m) => m.type === 'error' && m.code === 'unexpected-message'));
  });
});

test('oversized frame closes the connection with 1009 and is reported as frame-too-large', async () => {
  await withServer(async (server) => {
    const rejected = once(server, 'rejected');
    const client = await connectProtocolClient({ url: server.url, token, reconnect: { maxAttempts: 3 } });
    const failed = once(client, 'failed');
    client.send({ ...goodPush(), grads: [new Float32Array(2000), new Float32Array(2)] }); // 8 KB > maxPayload 4096
    assert.equal(((await rejected) as [ProtocolError])[0].code, 'frame-too-large');
    assert.equal(((await failed) as [ProtocolError])[0].code, 'frame-too-large');
  });
});

test('client reconnects with backoff after the transport drops and re-authenticates', async () => {
  await withServer(async (server) => {
    const peers: Peer[] = [];
    server.on('peer', (p: Peer) => peers.push(p));
    const client = await connectProtocolClient({ url: server.url, token, identity: () => ({ rank: 1, runId: 'run-x' }), reconnect: { initialDelayMs: 10 } });
    const disconnected = once(client, 'disconnected');
    const reconnected = once(client, 'connected');
    peers[0]!.socket.terminate();
    const [info] = await disconnected;
    assert.equal(info.willReconnect, true);
    await reconnected;
    assert.equal(peers.length, 2);
    assert.equal(peers[1]!.hello.rank, 1);
    assert.equal(peers[1]!.hello.runId, 'run-x');
    client.close();
  });
});

test('client gives up after maxAttempts when the server is gone', async () => {
  const server = await createProtocolServer({ token, maxPayload: 4096 });
  const client = await connectProtocolClient({ url: server.url, token, reconnect: { initialDelayMs: 5, maxAttempts: 2 } });
  const failed = once(client, 'failed');
  await server.close({ sayBye: false });
  const [error] = (await failed) as [ProtocolError];
  assert.equal(error.code, 'closed');
  assert.match(error.message, /after 2 reconnect attempts/);
});

test('server drops a silent peer after idleTimeoutMs', async () => {
  await withServer(
    async (server) => {
      const { closed } = await rawSocket(server.url);
      const [code] = await closed;
      assert.equal(code, 1006); // terminated
    },
    { idleTimeoutMs: 100 },
  );
});

test('wss with a certificate: client trusting the CA connects; one that does not is refused', async () => {
  await withServer(
    async (server) => {
      assert.match(server.url, /^wss:\/\//);
      const client = await connectProtocolClient({ url: server.url, token, tls: { ca: fixture('test-cert.pem') } });
      assert.ok(client.connected);
      client.close();
      await assert.rejects(connectProtocolClient({ url: server.url, token, reconnect: false }), (e: ProtocolError) => e.code === 'closed');
    },
    { tls: { cert: fixture('test-cert.pem'), key: fixture('test-key.pem') } },
  );
});

test('messages the server sends right after the welcome reach a listener attached after connect resolves', async () => {
  await withServer(async (server) => {
    server.on('peer', (p: Peer) => {
      p.send({ type: 'barrier', step: 0, epoch: 0, action: 'train' });
      p.send({ type: 'barrier', step: 1, epoch: 0, action: 'validate' });
    });
    const client = await connectProtocolClient({ url: server.url, token });
    const got: ServerMessage[] = [];
    client.on('message', (m: ServerMessage) => got.push(m));
    while (got.length < 2) await new Promise((r) => setTimeout(r, 5));
    assert.deepEqual(got.map((m) => m.type === 'barrier' && m.step), [0, 1]);
    client.close();
  });
});
