import type { Server as HttpServer } from 'node:http';
import type { Socket } from 'node:net';
import type { Admission } from './admission.js';
import { ProtocolError } from './errors.js';

interface Pending {
  address: string;
  socket: Socket;
  timer: NodeJS.Timeout;
  bytes: number;
  counted?: { socket: Socket; onData: (chunk: Buffer) => void };
}

/** What PendingConnections needs from its server. */
export interface PendingConnectionsOptions {
  admission: Admission;
  handshakeTimeoutMs: number;
  preAuthMaxBytes: number;
  /** Told about every dropped connection (refusals at accept are batched: at most one call a second). */
  onReject: (error: ProtocolError, remote: string) => void;
}

/**
 * The unauthenticated phase of every TCP connection of one server, from accept to the welcome: admission (caps per
 * server and per address, failed-auth lockout), a deadline, and a byte budget, because ws's `maxPayload` is one
 * number per server and must be the model's size for authenticated peers. A connection over the budget, past the
 * deadline or beyond a cap is destroyed, so an attacker holds at most the caps' file descriptors, a few KiB each, for
 * a few seconds.
 * @example
 * const gate = new PendingConnections(http, { admission: new Admission(), handshakeTimeoutMs: 5000, preAuthMaxBytes: 16384, onReject });
 * // on the welcome: gate.authenticated(request.socket)
 */
export class PendingConnections {
  readonly admission: Admission;
  private readonly pending = new Map<string, Pending>();
  private refusedCount = 0;
  private refusedReason = '';
  private refusedTimer: NodeJS.Timeout | undefined;

  constructor(http: HttpServer, private readonly o: PendingConnectionsOptions) {
    this.admission = o.admission;
    http.on('connection', (socket: Socket) => this.accept(socket));
    // The bytes that count are the ones the peer makes the server parse: after TLS, when there is TLS.
    http.on('secureConnection', (socket: Socket) => this.countBytes(socket));
    if (!('setSecureContext' in http)) http.on('connection', (socket: Socket) => this.countBytes(socket));
  }

  private static key(socket: Socket): string {
    return `${socket.remoteAddress}:${socket.remotePort}`;
  }

  private accept(socket: Socket): void {
    const address = socket.remoteAddress ?? '';
    const refusal = this.admission.admit(address);
    if (refusal) {
      socket.destroy();
      this.noteRefusal(refusal);
      return;
    }
    const key = PendingConnections.key(socket);
    const timer = setTimeout(() => this.drop(key, new ProtocolError('timeout', `not authenticated within ${this.o.handshakeTimeoutMs} ms`)), this.o.handshakeTimeoutMs);
    timer.unref();
    this.pending.set(key, { address, socket, timer, bytes: 0 });
    socket.once('close', () => this.settle(key));
  }

  private countBytes(socket: Socket): void {
    const key = PendingConnections.key(socket);
    const entry = this.pending.get(key);
    if (!entry) return;
    const onData = (chunk: Buffer) => {
      entry.bytes += chunk.length;
      if (entry.bytes > this.o.preAuthMaxBytes) {
        this.drop(key, new ProtocolError('frame-too-large', `more than ${this.o.preAuthMaxBytes} bytes before authenticating`));
      }
    };
    entry.counted = { socket, onData };
    socket.on('data', onData);
  }

  /** The connection on `socket` authenticated: it leaves the pending set and its limits. */
  authenticated(socket: Socket): void {
    this.settle(PendingConnections.key(socket));
  }

  /** Destroys every pending connection (server shutdown). */
  closeAll(): void {
    clearTimeout(this.refusedTimer);
    for (const [key, entry] of [...this.pending]) {
      entry.socket.destroy();
      this.settle(key);
    }
  }

  private drop(key: string, error: ProtocolError): void {
    const entry = this.pending.get(key);
    if (!entry) return;
    this.o.onReject(error, key);
    entry.socket.destroy();
    this.settle(key);
  }

  private settle(key: string): void {
    const entry = this.pending.get(key);
    if (!entry) return;
    this.pending.delete(key);
    clearTimeout(entry.timer);
    entry.counted?.socket.off('data', entry.counted.onData);
    this.admission.settle(entry.address);
  }

  // A flood is thousands of refusals a second: report them as one line a second, not one each.
  private noteRefusal(reason: string): void {
    this.refusedCount++;
    this.refusedReason = reason;
    if (this.refusedTimer) return;
    this.refusedTimer = setTimeout(() => {
      this.refusedTimer = undefined;
      const n = this.refusedCount;
      this.refusedCount = 0;
      this.o.onReject(new ProtocolError('refused', `refused ${n} connection${n === 1 ? '' : 's'} at accept (last: ${this.refusedReason})`), '');
    }, 1_000);
    this.refusedTimer.unref();
  }
}
