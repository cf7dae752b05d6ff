import { EventEmitter } from 'node:events';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { WebSocketServer, type WebSocket } from 'ws';
import { Admission, type AdmissionLimits } from './admission.js';
import { decodeMessage, encodeMessage } from './codec.js';
import { ProtocolError } from './errors.js';
import { ServerHandshake } from './handshake.js';
import type { HelloMessage, Message, Outgoing, ServerMessage, ShmAcceptMessage, WorkerMessage } from './messages.js';
import { PendingConnections } from './pending-connections.js';
import { SharedBroadcastRing } from './shared-broadcast.js';
import { createSharedFrameFile, type SharedFrameChannel, type SharedMemoryOutcome } from './shared-memory.js';
import type { RecordNote } from './shared-record-ring.js';
import { readSharedFrame, sendFrameOver } from './shared-memory-route.js';
import type { ValidationContext } from './validate.js';

/** Options of {@link createProtocolServer}. */
export interface ProtocolServerOptions {
  /** Shared secret; proven by HMAC challenge, never sent. */
  token: string;
  /** Interface to bind; default 127.0.0.1. */
  host?: string;
  /** Port; default 0 (any free port, read it back from `server.port`). */
  port?: number;
  /**
   * Largest accepted frame in bytes once authenticated (see maxPayloadFor); larger frames close the connection with
   * 1009. Before authentication the limit is `preAuthMaxBytes`.
   */
  maxPayload: number;
  /** PEM certificate and key: serve wss:// instead of ws://. */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** A connection that has not authenticated within this many ms (TCP accept to welcome) is dropped. Default 5 s. */
  handshakeTimeoutMs?: number;
  /** Bytes a connection may send before it authenticates (HTTP upgrade + hello + auth need < 1 KiB). Default 16 KiB. */
  preAuthMaxBytes?: number;
  /** Caps on unauthenticated connections and the failed-authentication lockout (see AdmissionLimits). */
  admission?: AdmissionLimits;
  /** A peer silent for this many ms is dropped (workers send heartbeats). Default 60 s. */
  idleTimeoutMs?: number;
}

/** Close codes: 1008 policy violation (bad message, failed auth), 1009 frame too large, 1001 going away. */
export const CLOSE_POLICY = 1008;
export const CLOSE_TOO_LARGE = 1009;

/** How long a peer we close may take to answer the close handshake before it is cut off (ws alone waits 30 s). */
const CLOSE_GRACE_MS = 1_000;

function closeWithin(socket: WebSocket, code: number, reason: string): void {
  socket.close(code, reason);
  const timer = setTimeout(() => socket.terminate(), CLOSE_GRACE_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
}

/**
 * One authenticated worker connection. Events: 'message' (validated WorkerMessage, never heartbeats),
 * 'rejected' (ProtocolError: a bad frame; the connection is then closed), 'close' (code, reason),
 * 'shared-memory' (SharedMemoryOutcome) once the peer answered {@link Peer.offerSharedMemory}.
 */
export class Peer extends EventEmitter {
  readonly id = randomUUID();
  /** Extra shape knowledge for validating this peer's tensors (the server's shapes by default). */
  validation: () => Omit<ValidationContext, 'from'>;
  private closed = false;
  private closeEmitted = false;
  /** The side channel offered and not yet answered, then the one in use (see SharedFrameChannel). */
  private offered: SharedFrameChannel | undefined;
  private shared: SharedFrameChannel | undefined;
  /** The server's broadcast ring named in the offer, then the one this peer reads (see sendFrameToAll). */
  private offeredRing: SharedBroadcastRing | undefined;
  private ring: SharedBroadcastRing | undefined;
  /** Frame bytes this connection moved through shared memory (not on the socket), kept after it closed. */
  readonly sharedBytes = { read: 0, written: 0 };
  /** performance.now() when the socket delivered the message being emitted (before its decoding and shared-memory read). */
  receivedAt = 0;

  constructor(
    readonly socket: WebSocket,
    readonly hello: HelloMessage,
    readonly remoteAddress: string,
    validation: () => Omit<ValidationContext, 'from'>,
    /** The server's broadcast ring for frames of up to `slotBytes`, if it has (or can make) one. */
    private readonly broadcastRingFor: (slotBytes: number) => SharedBroadcastRing | undefined = () => undefined,
  ) {
    super();
    this.validation = validation;
  }

  get isOpen(): boolean {
    return !this.closed && this.socket.readyState === this.socket.OPEN;
  }

  /** Sends one message (version stamped). Returns false when the connection is already gone. */
  send(message: Outgoing<ServerMessage>): boolean {
    return this.sendFrame(encodeMessage(message));
  }

  /**
   * Sends a frame already encoded (encodeMessage, a TensorFrameWriter's), e.g. one frame for every worker. `onWritten`
   * runs once the socket is done with the bytes; returns false (without calling it) when the connection is gone.
   */
  sendFrame(frame: Uint8Array, onWritten?: () => void): boolean {
    if (!this.isOpen) return false;
    if (sendFrameOver(this.shared, this.socket, frame, onWritten)) this.sharedBytes.written += frame.length;
    return true;
  }

  /**
   * Offers this peer a shared-memory channel for frames of up to `slotBytes` (a worker on this host then skips the
   * socket for its large frames; one elsewhere declines). Frames go over the socket until the peer accepted; the
   * outcome comes as a 'shared-memory' event. Returns false when no offer was made (closed, already offered, or the
   * file could not be created: the event says why).
   * @example
   * peer.offerSharedMemory(tensorFrameBytes(parameterCount + stateCount));
   * peer.once('shared-memory', ({ on, reason }) => log.info({ on, reason }, 'shared memory'));
   */
  offerSharedMemory(slotBytes: number): boolean {
    if (!this.isOpen || this.offered || this.shared) return false;
    let created: ReturnType<typeof createSharedFrameFile>;
    try {
      created = createSharedFrameFile(slotBytes);
    } catch (error) {
      const outcome: SharedMemoryOutcome = { on: false, reason: `cannot create the shared file: ${(error as Error).message}` };
      queueMicrotask(() => this.emit('shared-memory', outcome));
      return false;
    }
    this.offered = created.channel;
    this.offeredRing = this.broadcastRingFor(slotBytes);
    this.socket.send(encodeMessage({ type: 'shm-offer', ...created.offer, broadcastPath: this.offeredRing?.path ?? '' }));
    return true;
  }

  /** @internal The peer answered the offer: the channel carries frames from now on if it proved it shares the file. */
  answerSharedMemory(answer: ShmAcceptMessage): void {
    const channel = this.offered;
    if (!channel) throw new ProtocolError('unexpected-message', '"shm-accept" without a shared-memory offer');
    const ring = this.offeredRing;
    this.offered = this.offeredRing = undefined;
    const proved = answer.error === '' && channel.acceptProbe(answer.probe);
    if (proved) {
      this.shared = channel;
      // Accepting means the peer also opened the broadcast ring the offer named (it declines otherwise).
      this.ring = ring;
      ring?.addReader(channel);
    } else channel.close();
    const reason = proved ? '' : answer.error || 'the peer\'s probe does not match the shared file\'s';
    this.emit('shared-memory', { on: proved, reason } satisfies SharedMemoryOutcome);
  }

  /** @internal Reads the frame a shm-frame note announces (decoded and validated like one from the socket). */
  readShared(note: Extract<WorkerMessage, { type: 'shm-frame' }>): WorkerMessage {
    const message = readSharedFrame(this.shared, note, { from: 'worker', ...this.validation() }) as WorkerMessage;
    this.sharedBytes.read += note.length;
    return message;
  }

  /** The server's broadcast ring this peer reads, once it accepted shared memory (see sendFrameToAll); its `framesWritten` counts what it carried. */
  get broadcastRing(): SharedBroadcastRing | undefined {
    return this.isOpen ? this.ring : undefined;
  }

  /** @internal Tells this peer its next frame is broadcast record `note` (already written into its ring). */
  sendBroadcastNote(note: RecordNote): void {
    this.socket.send(encodeMessage({ type: 'shm-frame', ...note, broadcast: true }));
    this.shared!.announcedBroadcast(note.seq);
    this.sharedBytes.written += note.length;
  }

  /**
   * Done with every tensor of a message this peer sent (`tensors`: any of them, e.g. a push's grads): when it came
   * through shared memory, its read buffer is reused for a later frame (SharedFrameChannel.recycle). No-op otherwise.
   * @example
   * optimizer.step(mean(pushes.map((p) => p.grads))); // nothing keeps a view of the pushes' tensors after this
   * pushes.forEach((p, k) => peers[k].recycleFrame(p.grads));
   */
  recycleFrame(tensors: readonly Float32Array[]): boolean {
    return this.shared?.recycle(tensors[0]?.buffer) ?? false;
  }

  /** True while large frames to and from this peer skip the socket. */
  get sharingMemory(): boolean {
    return this.shared !== undefined;
  }

  /**
   * Sends an error naming the problem, then closes with 1008. The peer counts as gone at once: 'close' follows in a
   * microtask, not when the remote end gets round to answering the close handshake (a hostile one never does).
   */
  fail(error: ProtocolError): void {
    if (!this.isOpen) return;
    this.send({ type: 'error', code: error.code, message: error.message });
    this.closed = true;
    closeWithin(this.socket, CLOSE_POLICY, error.code);
    queueMicrotask(() => this.emitClose(CLOSE_POLICY, error.code));
  }

  /** Says bye and closes normally. */
  close(reason = 'done'): void {
    if (!this.isOpen) return;
    this.send({ type: 'bye', reason });
    this.closed = true;
    closeWithin(this.socket, 1000, reason.slice(0, 100));
  }

  /** @internal The transport closed (or the server gave up on the peer): emits 'close' once. */
  emitClose(code: number, reason: string): void {
    this.closed = true;
    this.offered?.close();
    if (this.shared) this.ring?.removeReader(this.shared);
    this.shared?.close();
    this.offered = this.shared = undefined;
    this.offeredRing = this.ring = undefined;
    if (this.closeEmitted) return;
    this.closeEmitted = true;
    this.emit('close', code, reason);
  }
}

/**
 * A websocket endpoint that authenticates workers (HMAC challenge on a shared token, the worker proving first),
 * validates every frame before handing it on, answers heartbeats and drops idle or misbehaving peers. Before
 * authentication a connection is held only within the admission limits, for `handshakeTimeoutMs`, and may send only
 * `preAuthMaxBytes`.
 * Events: 'peer' (Peer) once authenticated; 'rejected' (ProtocolError, remoteAddress) for every refused frame or
 * connection (connections refused at accept are reported at most once a second, with a count).
 */
export class ProtocolServer extends EventEmitter {
  readonly peers = new Set<Peer>();
  /** Shapes that tensors of incoming frames must match; set once the model is known. */
  shapes: Omit<ValidationContext, 'from'> = {};
  /** The one broadcast ring of this server's shared-memory peers, made at the first offer. */
  private broadcastRing: SharedBroadcastRing | undefined;
  private broadcastRingFailed = false;

  constructor(
    private readonly http: HttpServer,
    private readonly wss: WebSocketServer,
    private readonly gate: PendingConnections,
    readonly url: string,
    readonly port: number,
  ) {
    super();
  }

  /**
   * @internal The broadcast ring for frames of up to `slotBytes` (made at the first call): undefined when it cannot be
   * created, or holds smaller frames (peers offered then use their own rings only).
   */
  broadcastRingFor(slotBytes: number): SharedBroadcastRing | undefined {
    if (!this.broadcastRing && !this.broadcastRingFailed) {
      try {
        this.broadcastRing = SharedBroadcastRing.create(slotBytes);
      } catch {
        this.broadcastRingFailed = true; // each peer still gets its own file
      }
    }
    return this.broadcastRing && this.broadcastRing.slotBytes >= slotBytes ? this.broadcastRing : undefined;
  }

  /** Unauthenticated connections held right now. */
  get pendingConnections(): number {
    return this.gate.admission.pendingCount;
  }

  /**
   * Stops accepting, closes every peer, every pending connection and the listening socket. With `sayBye` (default)
   * peers get a bye and do not reconnect; without it they see a dropped transport (as on a crash) and try to reconnect.
   */
  async close({ sayBye = true }: { sayBye?: boolean } = {}): Promise<void> {
    const closed = new Promise<void>((resolve) => this.http.close(() => resolve()));
    if (sayBye) for (const peer of this.peers) peer.close('server closing');
    for (const client of this.wss.clients) client.terminate();
    this.gate.closeAll();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    this.http.closeAllConnections?.();
    await closed;
    this.broadcastRing?.close();
  }
}

/**
 * Starts a protocol server listening on host:port.
 * @example
 * const server = await createProtocolServer({ token: generateToken(), maxPayload: 64 << 20 });
 * server.on('peer', (peer) => peer.on('message', (m) => console.log(m.type)));
 * console.log(server.url); // ws://127.0.0.1:PORT
 */
export async function createProtocolServer(options: ProtocolServerOptions): Promise<ProtocolServer> {
  if (!options.token) throw new TypeError('createProtocolServer: option "token" must be a non-empty string');
  if (!(options.maxPayload > 0)) throw new TypeError(`createProtocolServer: option "maxPayload" must be > 0, got ${options.maxPayload}`);
  const host = options.host ?? '127.0.0.1';
  const handshakeTimeoutMs = options.handshakeTimeoutMs ?? 5_000;
  const idleTimeoutMs = options.idleTimeoutMs ?? 60_000;
  // Node's own HTTP timeouts bound the phase before the websocket upgrade (its defaults hold a silent socket ~90 s).
  const httpOptions = {
    headersTimeout: handshakeTimeoutMs, requestTimeout: handshakeTimeoutMs + 1_000, keepAliveTimeout: 1_000,
    connectionsCheckingInterval: Math.min(1_000, handshakeTimeoutMs), maxHeaderSize: 8 * 1024,
  };
  const http = options.tls ? createHttpsServer({ ...httpOptions, cert: options.tls.cert, key: options.tls.key }) : createHttpServer(httpOptions);
  // Plain HTTP requests get a refusal instead of hanging until a timeout.
  http.on('request', (_req, res) => res.writeHead(426, { connection: 'close', 'content-type': 'text/plain' }).end('websocket only\n'));
  let server: ProtocolServer | undefined;
  const gate = new PendingConnections(http, {
    admission: new Admission(options.admission),
    handshakeTimeoutMs,
    preAuthMaxBytes: options.preAuthMaxBytes ?? 16 * 1024,
    onReject: (error, remote) => server?.emit('rejected', error, remote),
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port ?? 0, host, () => {
      http.off('error', reject);
      resolve();
    });
  });
  // Attached only once listening: the websocket server re-emits the http server's errors, and a listen error (port in
  // use) re-emitted with no listener would crash the process instead of rejecting above.
  const wss = new WebSocketServer({ server: http, maxPayload: options.maxPayload, perMessageDeflate: false });
  wss.on('error', () => {}); // the same errors reach the http server's handler below
  http.on('error', (error) => server?.emit('rejected', new ProtocolError('refused', `listening socket: ${error.message}`), `${host}`));
  const port = (http.address() as AddressInfo).port;
  server = new ProtocolServer(http, wss, gate, `${options.tls ? 'wss' : 'ws'}://${host}:${port}`, port);
  const s = server;

  wss.on('connection', (socket, request) => {
    const tcp = request.socket;
    const remote = `${tcp.remoteAddress}:${tcp.remotePort}`;
    const handshake = new ServerHandshake(options.token);
    let peer: Peer | undefined;
    let refused = false;
    let lastHeard = Date.now();
    const raw = (m: Outgoing<Message>) => socket.readyState === socket.OPEN && socket.send(encodeMessage(m));
    const reject = (error: ProtocolError) => {
      s.emit('rejected', error, remote);
      if (peer) {
        peer.emit('rejected', error);
        peer.fail(error);
      } else if (!refused) {
        refused = true;
        if (error.code === 'auth-failed') gate.admission.recordFailure(tcp.remoteAddress ?? '');
        raw({ type: 'error', code: error.code, message: error.message });
        closeWithin(socket, CLOSE_POLICY, error.code);
      }
    };
    const idleTimer = setInterval(() => {
      if (Date.now() - lastHeard > idleTimeoutMs) {
        s.emit('rejected', new ProtocolError('timeout', `silent for more than ${idleTimeoutMs} ms`), remote);
        socket.terminate();
      }
    }, Math.max(10, Math.min(idleTimeoutMs / 2, 5_000)));
    idleTimer.unref();

    socket.on('error', (error: Error & { code?: string }) => {
      const tooLarge = error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH';
      const pe = new ProtocolError(tooLarge ? 'frame-too-large' : 'bad-frame', peer ? `${error.message} (maxPayload ${options.maxPayload} bytes)` : error.message);
      s.emit('rejected', pe, remote);
      peer?.emit('rejected', pe);
    });
    socket.on('close', (code, reason) => {
      clearInterval(idleTimer);
      if (peer) {
        s.peers.delete(peer);
        peer.emitClose(code, reason.toString());
      }
    });
    socket.on('message', (data, isBinary) => {
      // After a refusal nothing more from this connection is looked at (frames may already be queued behind it).
      if (refused || (peer && !peer.isOpen)) return;
      if (peer) peer.receivedAt = performance.now();
      lastHeard = Date.now();
      let message: WorkerMessage;
      try {
        if (!peer) {
          const step = handshake.receive(data, isBinary);
          if ('reply' in step) {
            raw(step.reply);
            return;
          }
          gate.authenticated(tcp);
          peer = new Peer(socket, step.authenticated, remote, () => s.shapes, (slotBytes) => s.broadcastRingFor(slotBytes));
          s.peers.add(peer);
          raw({ type: 'welcome', sessionId: peer.id, proof: step.proof });
          s.emit('peer', peer);
          return;
        }
        message = decodeMessage(data, isBinary, { from: 'worker', ...peer.validation() }) as WorkerMessage;
        if (message.type === 'shm-frame') message = peer.readShared(message);
        if (message.type === 'shm-accept') return peer.answerSharedMemory(message);
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
      peer.emit('message', message);
    });
  });
  return server;
}
