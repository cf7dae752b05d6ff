import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { makeNonce } from './auth.js';
import { connectProtocolClient } from './client.js';
import { encodeMessage } from './codec.js';
import { ProtocolError } from './errors.js';
import { decodeFrame } from './frame.js';
import type { Message } from './messages.js';
import { createProtocolServer, type ProtocolServer } from './server.js';
import { estimateTokenBits, generateToken, tokenProblem } from './token.js';

const token = generateToken();
const shapes = { parameterShapes: [[300, 7]], stateShapes: [] };

async function withServer(extra: Record<string, unknown>, fn: (server: ProtocolServer) => Promise<void>) {
  const server = await createProtocolServer({ token, maxPayload: 1 << 20, ...extra });
  server.shapes = shapes;
  try {
    await fn(server);
  } finally {
    await server.close();
  }
}

function tcp(port: number, localAddress = '127.0.0.1'): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ port, host: '127.0.0.1', localAddress }, () => resolve(s));
    s.on('error', reject);
  });
}

const closedWithin = (s: Socket, ms: number) =>
  Promise.race([once(s, 'close').then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]);

/** A bare ws connection that sends hello and collects what the server says. */
async function helloOnly(url: string) {
  const ws = new WebSocket(url);
  const received: Message[] = [];
  ws.on('message', (d) => received.push(decodeFrame(d as Buffer) as unknown as Message));
  await once(ws, 'open');
  ws.send(encodeMessage({ type: 'hello', role: 'worker', clientNonce: makeNonce(), rank: -1, runId: '', name: 'probe' }));
  return { ws, received };
}

test('the challenge carries only a random nonce: nothing derived from the token before the client proves', async () => {
  await withServer({}, async (server) => {
    const { ws, received } = await helloOnly(server.url);
    while (received.length === 0) await once(ws, 'message');
    assert.equal(received[0]!.type, 'challenge');
    assert.deepEqual(Object.keys(received[0]!).filter((k) => k !== 'tensors').sort(), ['nonce', 'type', 'v']);
    ws.close();
  });
});

test('before authenticating, a tensor frame is refused without validating it (no shapes named)', async () => {
  await withServer({}, async (server) => {
    const ws = new WebSocket(server.url);
    const received: Message[] = [];
    ws.on('message', (d) => received.push(decodeFrame(d as Buffer) as unknown as Message));
    await once(ws, 'open');
    ws.send(encodeMessage({ type: 'push', step: 0, loss: 1, count: 1, correct: 0, computeMs: 0, commMs: 0, grads: [new Float32Array(3)], states: [] }));
    const [code] = await once(ws, 'close');
    assert.equal(code, 1008);
    const error = received.find((m) => m.type === 'error') as { message: string } | undefined;
    assert.ok(error);
    assert.match(error.message, /expected "hello"/);
    assert.doesNotMatch(error.message, /300|2100|shape/);
  });
});

test('a wrong token fails with auth-failed, and a client is locked out after maxAuthFailures', async () => {
  await withServer({ admission: { maxAuthFailures: 3, failureWindowMs: 60_000 } }, async (server) => {
    for (let i = 0; i < 3; i++) {
      await assert.rejects(connectProtocolClient({ url: server.url, token: generateToken(), reconnect: false }), (e: ProtocolError) => e.code === 'auth-failed');
    }
    // Even the right token is refused now, at accept, from this address...
    await assert.rejects(connectProtocolClient({ url: server.url, token, reconnect: false }));
    // ...but not from another one.
    const s = await tcp(server.port, '127.0.0.2');
    assert.equal(await closedWithin(s, 300), false);
    s.destroy();
  });
});

test('a server that cannot prove the token in its welcome is refused by the client', async () => {
  const fake = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await once(fake, 'listening');
  fake.on('connection', (ws) => {
    ws.on('message', (d) => {
      const m = decodeFrame(d as Buffer);
      if (m.type === 'hello') ws.send(encodeMessage({ type: 'challenge', nonce: makeNonce() }));
      if (m.type === 'auth') ws.send(encodeMessage({ type: 'welcome', sessionId: 'x', proof: new Uint8Array(32) }));
    });
  });
  const { port } = fake.address() as { port: number };
  await assert.rejects(connectProtocolClient({ url: `ws://127.0.0.1:${port}`, token, reconnect: false }), (e: ProtocolError) => e.code === 'auth-failed' && /could not prove/.test(e.message));
  fake.close();
});

test('pending connections are capped per address and dropped at the handshake deadline', async () => {
  // Generous margins: a loaded machine is several times slower.
  await withServer({ handshakeTimeoutMs: 1_500, admission: { maxPendingPerAddress: 4, maxPending: 100 } }, async (server) => {
    const t0 = Date.now();
    const held = await Promise.all(Array.from({ length: 4 }, () => tcp(server.port)));
    while (server.pendingConnections < 4 && Date.now() - t0 < 1_000) await new Promise((r) => setTimeout(r, 10));
    assert.equal(server.pendingConnections, 4);
    const fifth = await tcp(server.port);
    assert.equal(await closedWithin(fifth, 1_000), true, 'the 5th pending socket from one address is refused');
    assert.deepEqual(await Promise.all(held.map((s) => closedWithin(s, 6_000))), [true, true, true, true]);
    const heldFor = Date.now() - t0;
    assert.ok(heldFor >= 1_400 && heldFor < 5_000, `idle sockets are dropped at the deadline (after ${heldFor} ms)`);
    assert.equal(server.pendingConnections, 0);
    // An authenticated worker is not pending and not bound by the deadline.
    const client = await connectProtocolClient({ url: server.url, token, reconnect: false });
    await new Promise((r) => setTimeout(r, 2_000));
    assert.ok(client.connected);
    client.close();
  });
});

test('a model-sized frame before authentication is cut off at preAuthMaxBytes', async () => {
  await withServer({ preAuthMaxBytes: 4096 }, async (server) => {
    const ws = new WebSocket(server.url, { maxPayload: 1 << 20 });
    await once(ws, 'open');
    const rejected: ProtocolError[] = [];
    server.on('rejected', (e: ProtocolError) => rejected.push(e));
    ws.send(Buffer.alloc(200_000));
    await once(ws, 'close');
    assert.ok(rejected.some((e) => e.code === 'frame-too-large'), rejected.map((e) => e.message).join('; '));
  });
});

test('token entropy: random tokens pass, short or repetitive ones are refused naming the fix, never the token', () => {
  assert.equal(estimateTokenBits('0123456789abcdef0123456789abcdef'), 128);
  assert.ok(estimateTokenBits(generateToken()) >= 256);
  assert.equal(tokenProblem(generateToken()), null);
  for (const weak of ['s3cret', 'cluster-test', 'a'.repeat(64), 'ab'.repeat(30)]) {
    const problem = tokenProblem(weak);
    assert.match(problem ?? '', /fewer than 128.*tensorfleet token.*--allow-weak-token/);
    assert.ok(!problem!.includes(weak));
  }
  assert.equal(tokenProblem('s3cret', { allowWeak: true }), null);
  assert.match(tokenProblem('', { allowWeak: true }) ?? '', /empty/);
});
