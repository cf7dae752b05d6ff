// `npm run bench -- wire [--frames N] [--mib M] [--json]`: one-way throughput of M-MiB binary frames on loopback:
// ws with its default random mask, ws with a zero mask (what @tensorfleet/protocol's client uses), raw TCP, and the
// full protocol path (encode push frame + decode + validate shapes and finiteness) — side by side.
// benchWs and benchProtocol (ms for `count` frames) are also the scale bench's loopback reference (scale.js).
import net from 'node:net';
import { once } from 'node:events';
import { WebSocket, WebSocketServer } from 'ws';
import { connectProtocolClient, createProtocolServer, encodeMessage, maxPayloadFor } from '@tensorfleet/protocol';

function arg(args, name, fallback) {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
}

async function sendAll(send, frame, count) {
  // Await each write's callback so at most one frame sits in user-space buffers (measures the wire, not RAM).
  for (let i = 0; i < count; i++) await new Promise((resolve, reject) => send(frame, (err) => (err ? reject(err) : resolve())));
}

export async function benchWs(frame, count, zeroMask) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, maxPayload: frame.length + 1024, perMessageDeflate: false });
  await once(wss, 'listening');
  let received = 0;
  const done = new Promise((resolve) => wss.on('connection', (s) => s.on('message', () => ++received === count && resolve())));
  const ws = new WebSocket(`ws://127.0.0.1:${wss.address().port}`, { perMessageDeflate: false, ...(zeroMask ? { generateMask: (m) => m.fill(0) } : {}) });
  await once(ws, 'open');
  const t0 = performance.now();
  await sendAll((f, cb) => ws.send(f, cb), frame, count);
  await done;
  const ms = performance.now() - t0;
  ws.terminate();
  await new Promise((r) => wss.close(r));
  return ms;
}

async function benchTcp(frame, count) {
  const total = (frame.length + 4) * count;
  let received = 0;
  let resolveDone;
  const done = new Promise((r) => (resolveDone = r));
  const server = net.createServer((s) => s.on('data', (d) => (received += d.length) >= total && resolveDone()));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const socket = net.connect(server.address().port, '127.0.0.1');
  socket.setNoDelay(true);
  await once(socket, 'connect');
  const header = Buffer.alloc(4);
  header.writeUInt32LE(frame.length);
  const t0 = performance.now();
  await sendAll((f, cb) => { socket.write(header); socket.write(f, cb); }, frame, count);
  await done;
  const ms = performance.now() - t0;
  socket.destroy();
  server.close();
  return ms;
}

export async function benchProtocol(floats, count) {
  const shapes = [[floats]];
  const server = await createProtocolServer({ token: 'bench', maxPayload: maxPayloadFor(shapes) });
  server.shapes = { parameterShapes: shapes, stateShapes: [] };
  let received = 0;
  const done = new Promise((resolve) => server.on('peer', (p) => p.on('message', () => ++received === count && resolve())));
  const client = await connectProtocolClient({ url: server.url, token: 'bench' });
  const grads = [Float32Array.from({ length: floats }, (_, i) => Math.sin(i))];
  const socket = client['socket'];
  const t0 = performance.now();
  // Encoding is part of the measured path, as in a worker's push.
  await sendAll((_, cb) => socket.send(encodeMessage({ type: 'push', step: 0, loss: 1, count: 1, correct: 1, computeMs: 0, commMs: 0, grads, states: [] }), cb), null, count);
  await done;
  const ms = performance.now() - t0;
  client.close();
  await server.close();
  return ms;
}

export async function run(args) {
  const mib = arg(args, '--mib', 4);
  const count = arg(args, '--frames', 100);
  const frame = Buffer.alloc(mib * 1024 * 1024, 7);
  const mb = (frame.length * count) / 1e6;
  const rows = [];
  const record = (name, ms) => rows.push({ transport: name, frames: count, frameMiB: mib, ms: Math.round(ms), MBps: Math.round(mb / (ms / 1000)) });
  await benchWs(frame, 5, false); // warm-up
  record('ws, default mask', await benchWs(frame, count, false));
  record('ws, zero mask', await benchWs(frame, count, true));
  record('raw TCP', await benchTcp(frame, count));
  record('protocol push (encode+validate, zero mask)', await benchProtocol(frame.length / 4, count));
  if (args.includes('--json')) console.log(JSON.stringify(rows));
  else console.table(rows);
}
