import { EventEmitter } from 'node:events';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { WebSocketServer, type WebSocket } from 'ws';
import { clientResponse, macEquals, makeNonce, serverProof } from './auth.js';
import { decodeMessage, encodeMessage } from './codec.js';
import { ProtocolError } from './errors.js';
import type { HelloMessage, Message, Outgoing, ServerMessage, WorkerMessage } from './messages.js';
import type { ValidationContext } from './validate.js';

/** Options of {@link createProtocolServer}. */
export interface ProtocolServerOptions {
  /** Shared secret; proven by HMAC challenge, never sent. */
  token: string;
  /** Interface to bind; default 127.0.0.1. */
  host?: string;
  /** Port; default 0 (any free port, read it back from `server.port`). */
  port?: number;
  /** Largest accepted frame in bytes (see maxPayloadFor); larger frames close the connection with 1009. */
  maxPayload: number;
  /** PEM certificate and key: serve wss:// instead of ws://. */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** A peer that has not authenticated within this many ms is dropped. Default 10 s. */
  handshakeTimeoutMs?: number;
  /** A peer silent for this many ms is dropped (workers send heartbeats). Default 60 s. */
  idleTimeoutMs?: number;
}

/** Close codes: 1008 policy violation (bad message, failed auth), 1009 frame too large, 1001 going away. */
export const CLOSE_POLICY = 1008;
export const CLOSE_TOO_LARGE = 1009;

/**
 * One authenticated worker connection. Events: 'message' (validated WorkerMessage, never heartbeats),
 * 'rejected' (ProtocolError: a bad frame; the connection is then closed), 'close' (code, reason).
 */
export class Peer extends EventEmitter {
  readonly id = randomUUID();
  /** Extra shape knowledge for validating this peer's tensors (the server's shapes by default). */
  validation: () => Omit<ValidationContext, 'from'>;
  private closed = false;

  constructor(
    readonly socket: WebSocket,
    readonly hello: HelloMessage,
    readonly remoteAddress: string,
    validation: () => Omit<ValidationContext, 'from'>,
  ) {
    super();
    this.validation = validation;
  }

  get isOpen(): boolean {
    return !this.closed && this.socket.readyState === this.socket.OPEN;
  }

  /** Sends one message (version stamped). Returns false when the connection is already gone. */
  send(message: Outgoing<ServerMessage>): boolean {
    if (!this.isOpen) return false;
    this.socket.send(encodeMessage(message));
    return true;
  }

  /** Sends an error naming the problem, then closes with 1008. */
  fail(error: ProtocolError): void {
    if (!this.isOpen) return;
    this.send({ type: 'error', code: error.code, message: error.message });
    this.closed = true;
    this.socket.close(CLOSE_POLICY, error.code);
  }

  /** Says bye and closes normally. */
  close(reason = 'done'): void {
    if (!this.isOpen) return;
    this.send({ type: 'bye', reason });
    this.closed = true;
    this.socket.close(1000, reason.slice(0, 100));
  }

  /** @internal */
  markClosed(): void {
    this.closed = true;
  }
}

/**
 * A websocket endpoint that authenticates workers (HMAC challenge on a shared token), validates every frame before
 * handing it on, answers heartbeats and drops idle or misbehaving peers.
 * Events: 'peer' (Peer) once authenticated; 'rejected' (ProtocolError, remoteAddress) for every refused connection or frame.
 */
export class ProtocolServer extends EventEmitter {
  readonly peers = new Set<Peer>();
  /** Shapes that tensors of incoming frames must match; set once the model is known. */
  shapes: Omit<ValidationContext, 'from'> = {};

  constructor(
    private readonly http: HttpServer,
    private readonly wss: WebSocketServer,
    readonly url: string,
    readonly port: number,
  ) {
    super();
  }

  /**
   * Stops accepting, closes every peer and the listening socket. With `sayBye` (default) peers get a bye and do not
   * reconnect; without it they see a dropped transport (as on a crash) and try to reconnect.
   */
  async close({ sayBye = true }: { sayBye?: boolean } = {}): Promise<void> {
    if (sayBye) for (const peer of this.peers) peer.close('server closing');
    for (const client of this.wss.clients) client.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    this.http.closeAllConnections?.();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }
}

/**
 * Starts a protocol server listening on host:port.
 * @example
 * const server = await createProtocolServer({ token: 's3cret', maxPayload: 64 << 20 });
 * server.on('peer', (peer) => peer.on('message', (m) => console.log(m.type)));
 * console.log(server.url); // ws://127.0.0.1:PORT
 */
export async function createProtocolServer(options: ProtocolServerOptions): Promise<ProtocolServer> {
  if (!options.token) throw new TypeError('createProtocolServer: option "token" must be a non-empty string');
  if (!(options.maxPayload > 0)) throw new TypeError(`createProtocolServer: option "maxPayload" must be > 0, got ${options.maxPayload}`);
  const host = options.host ?? '127.0.0.1';
  const handshakeTimeoutMs = options.handshakeTimeoutMs ?? 10_000;
  const idleTimeoutMs = options.idleTimeoutMs ?? 60_000;
  const http = options.tls ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key }) : createHttpServer();
  const wss = new WebSocketServer({ server: http, maxPayload: options.maxPayload, perMessageDeflate: false });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (http.address() as AddressInfo).port;
  const server = new ProtocolServer(http, wss, `${options.tls ? 'wss' : 'ws'}://${host}:${port}`, port);

  wss.on('connection', (socket, request) => {
    const remote = `${request.socket.remoteAddress}:${request.socket.remotePort}`;
    let peer: Peer | undefined;
    let stage: 'hello' | 'auth' = 'hello';
    let clientNonce: Uint8Array | undefined;
    let serverNonce: Uint8Array | undefined;
    let lastHeard = Date.now();
    let peerHello: HelloMessage | undefined;
    const raw = (m: Outgoing<Message>) => socket.readyState === socket.OPEN && socket.send(encodeMessage(m));
    const reject = (error: ProtocolError) => {
      server.emit('rejected', error, remote);
      if (peer) {
        peer.emit('rejected', error);
        peer.fail(error);
      } else if (socket.readyState === socket.OPEN) {
        raw({ type: 'error', code: error.code, message: error.message });
        socket.close(CLOSE_POLICY, error.code);
      }
    };
    const handshakeTimer = setTimeout(
      () => reject(new ProtocolError('timeout', `no authentication within ${handshakeTimeoutMs} ms`)),
      handshakeTimeoutMs,
    );
    const idleTimer = setInterval(() => {
      if (Date.now() - lastHeard > idleTimeoutMs) {
        server.emit('rejected', new ProtocolError('timeout', `silent for more than ${idleTimeoutMs} ms`), remote);
        socket.terminate();
      }
    }, Math.max(10, Math.min(idleTimeoutMs / 2, 5_000)));
    idleTimer.unref();

    socket.on('error', (error: Error & { code?: string }) => {
      const tooLarge = error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH';
      const pe = new ProtocolError(tooLarge ? 'frame-too-large' : 'bad-frame', `${error.message} (maxPayload ${options.maxPayload} bytes)`);
      server.emit('rejected', pe, remote);
      peer?.emit('rejected', pe);
    });
    socket.on('close', (code, reason) => {
      clearTimeout(handshakeTimer);
      clearInterval(idleTimer);
      if (peer) {
        peer.markClosed();
        server.peers.delete(peer);
        peer.emit('close', code, reason.toString());
      }
    });
    socket.on('message', (data, isBinary) => {
      lastHeard = Date.now();
      let message: WorkerMessage;
      try {
        message = decodeMessage(data, isBinary, { from: 'worker', ...(peer?.validation() ?? server.shapes) }) as WorkerMessage;
        if (!peer) {
          if (message.type !== stage) throw new ProtocolError('unexpected-message', `expected "${stage}" during the handshake, got "${message.type}"`);
          if (message.type === 'hello') {
            clientNonce = message.clientNonce;
            serverNonce = makeNonce();
            stage = 'auth';
            raw({ type: 'challenge', nonce: serverNonce, proof: serverProof(options.token, clientNonce, serverNonce) });
            peerHello = message;
            return;
          }
          if (message.type === 'auth') {
            if (!macEquals(message.response, clientResponse(options.token, serverNonce!, clientNonce!))) {
              throw new ProtocolError('auth-failed', 'the HMAC response does not match: wrong token');
            }
            clearTimeout(handshakeTimer);
            peer = new Peer(socket, peerHello!, remote, () => server.shapes);
            server.peers.add(peer);
            raw({ type: 'welcome', sessionId: peer.id });
            server.emit('peer', peer);
            return;
          }
        }
      } catch (error) {
        reject(error instanceof ProtocolError ? error : new ProtocolError('bad-frame', (error as Error).message));
        return;
      }
      if (message.type === 'heartbeat') {
        raw({ type: 'heartbeat', time: Date.now() });
        return;
      }
      if (message.type === 'hello' || message.type === 'auth') {
        reject(new ProtocolError('unexpected-message', `"${message.type}" after authentication`));
        return;
      }
      peer!.emit('message', message);
    });
  });
  return server;
}
