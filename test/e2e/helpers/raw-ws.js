// A websocket client written over bare TCP sockets, so hostile tests can send what no well-behaved client would:
// partial frames, wrong opcodes, unmasked or oversized frames, bytes before the upgrade finishes.
import { readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { randomBytes } from 'node:crypto';
import { clientResponse, decodeFrame, encodeMessage, makeNonce } from '@tensorfleet/protocol';

/** The HTTP upgrade request of a websocket connection to host:port. */
export function upgradeRequest(host, port) {
  return Buffer.from(
    `GET / HTTP/1.1\r\nHost: ${host}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    'latin1',
  );
}

/**
 * One client websocket frame. `declaredLength` lies about the payload length; `mask: false` omits the (mandatory)
 * client mask; `opcode` 2 is binary, 1 text, 9 ping, 3..7 reserved.
 */
export function wsFrame(payload, { opcode = 2, fin = true, rsv = 0, mask = true, declaredLength = payload.length } = {}) {
  const head = [((fin ? 0x80 : 0) | (rsv << 4) | opcode) & 0xff];
  const m = mask ? 0x80 : 0;
  if (declaredLength < 126) head.push(m | declaredLength);
  else if (declaredLength < 65536) head.push(m | 126, declaredLength >> 8, declaredLength & 0xff);
  else {
    head.push(m | 127, 0, 0, 0, 0);
    head.push((declaredLength >>> 24) & 0xff, (declaredLength >>> 16) & 0xff, (declaredLength >>> 8) & 0xff, declaredLength & 0xff);
  }
  // A zero mask leaves the payload as is (masking protects proxies, not us; the server must accept it).
  return Buffer.concat([Buffer.from(head), mask ? Buffer.alloc(4) : Buffer.alloc(0), payload]);
}

/** Splits unmasked server frames off the front of `buffer`: { frames: Buffer[], rest: Buffer }. */
export function parseServerFrames(buffer) {
  const frames = [];
  let offset = 0;
  while (buffer.length - offset >= 2) {
    let length = buffer[offset + 1] & 0x7f;
    let header = 2;
    if (length === 126) {
      if (buffer.length - offset < 4) break;
      length = buffer.readUInt16BE(offset + 2);
      header = 4;
    } else if (length === 127) {
      if (buffer.length - offset < 10) break;
      length = Number(buffer.readBigUInt64BE(offset + 2));
      header = 10;
    }
    if (buffer.length - offset < header + length) break;
    frames.push({ opcode: buffer[offset] & 0x0f, payload: buffer.subarray(offset + header, offset + header + length) });
    offset += header + length;
  }
  return { frames, rest: buffer.subarray(offset) };
}

/** Opens a TCP connection from `localAddress`; resolves with the socket once connected. */
export function tcpConnect(port, { host = '127.0.0.1', localAddress } = {}) {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host, ...(localAddress ? { localAddress } : {}) }, () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/**
 * A raw connection that completes the websocket upgrade and, with a token, the tensorfleet handshake. Collects every
 * protocol message the server sends (decoded frames, undecoded bytes kept too) until it closes.
 */
export async function rawSession(port, { token, localAddress, name = 'raw', hello = {} } = {}) {
  const socket = await tcpConnect(port, { localAddress });
  const session = { socket, received: [], bytes: [], closed: null, welcome: null };
  session.closed = new Promise((resolve) => socket.once('close', resolve));
  socket.on('error', () => {});
  const nonce = makeNonce();
  let buffer = Buffer.alloc(0);
  let upgraded = false;
  let onWelcome;
  const welcomed = new Promise((resolve, reject) => {
    onWelcome = resolve;
    session.closed.then(() => reject(new Error(`closed before the handshake finished: ${JSON.stringify(session.received.map((m) => m.type))}`)));
  });
  welcomed.catch(() => {});
  socket.on('data', (chunk) => {
    session.bytes.push(chunk);
    buffer = Buffer.concat([buffer, chunk]);
    if (!upgraded) {
      const end = buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      if (!buffer.subarray(0, 12).toString('latin1').includes('101')) return socket.destroy();
      upgraded = true;
      buffer = buffer.subarray(end + 4);
      socket.write(wsFrame(encodeMessage({ type: 'hello', role: 'worker', clientNonce: nonce, rank: -1, runId: '', name, ...hello })));
    }
    const { frames, rest } = parseServerFrames(buffer);
    buffer = rest;
    for (const frame of frames) {
      if (frame.opcode !== 2) continue;
      const message = decodeFrame(frame.payload);
      session.received.push(message);
      if (message.type === 'challenge' && token) socket.write(wsFrame(encodeMessage({ type: 'auth', response: clientResponse(token, message.nonce, nonce) })));
      if (message.type === 'welcome') onWelcome((session.welcome = message));
    }
  });
  socket.write(upgradeRequest('127.0.0.1', port));
  session.clientNonce = nonce;
  session.authenticated = token ? welcomed : null;
  return session;
}

/** VmRSS of a process in bytes (Linux /proc). */
export function rssBytes(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) * 1024;
}

/** Open file descriptors of a process (Linux /proc). */
export function openDescriptors(pid) {
  return readdirSync(`/proc/${pid}/fd`).length;
}
