import { EventEmitter } from 'node:events';
import { WebSocket } from 'ws';
import { decodeMessage, encodeMessage } from './codec.js';
import { ProtocolError } from './errors.js';
import { ClientHandshake } from './handshake.js';
import type { Outgoing, ServerMessage, ShmOfferMessage, WelcomeMessage, WorkerMessage } from './messages.js';
import { attachSharedBroadcast } from './shared-broadcast.js';
import { openSharedFrameFile, type SharedFrameChannel, type SharedMemoryOutcome } from './shared-memory.js';
import { readSharedFrame, sendFrameOver } from './shared-memory-route.js';
import type { ValidationContext } from './validate.js';

/** Exponential backoff between reconnect attempts: initialDelayMs · factor^attempt, capped at maxDelayMs. */
export interface ReconnectOptions {
  initialDelayMs?: number;
  maxDelayMs?: number;
  factor?: number;
  /** Consecutive failed attempts before giving up ('failed' event). */
  maxAttempts?: number;
}

/** Options of {@link connectProtocolClient}. */
export interface ProtocolClientOptions {
  /** ws://host:port or wss://host:port of the server. */
  url: string;
  /** Shared secret; this client proves it by HMAC challenge first, then checks the server's proof. Never sent. */
  token: string;
  /** Shown in the server's logs. */
  name?: string;
  /** 'worker' (default), 'collective' (a worker's SyncBN communication thread) or 'primary' (a PS driving a shard). */
  role?: 'worker' | 'collective' | 'primary';
  /** Identity to announce on each (re)connect: the rank and run held so far (-1, '' when new). */
  identity?: () => { rank: number; runId: string };
  /** For wss: CA certificate(s) to trust, and whether to verify the server (default true). */
  tls?: { ca?: string | Buffer; rejectUnauthorized?: boolean };
  /** Largest frame accepted from the server. Default 1 GiB. */
  maxPayload?: number;
  /** Mask client frames with zeros (default true): masking costs ~7× throughput on loopback and protects nothing here. */
  zeroMask?: boolean;
  /** Heartbeat period in ms (default 5 s); the server answers each. */
  heartbeatIntervalMs?: number;
  /** No frame from the server for this long → the connection is considered dead and re-established. Default 60 s. */
  heartbeatTimeoutMs?: number;
  /** Handshake must finish within this many ms. Default 10 s. */
  handshakeTimeoutMs?: number;
  /** Reconnect on transport loss (default on); `false` to fail instead. */
  reconnect?: ReconnectOptions | false;
  /** Called before each reconnect attempt, also those of the first connection (the 'retrying' event comes too late for it). */
  onRetry?: (info: RetryInfo) => void;
  /**
   * Accept the server's shared-memory offers (default true): on the server's host, large frames then skip the socket
   * (see SharedFrameChannel). `false` declines them, keeping every byte on the wire.
   */
  sharedMemory?: boolean;
}

/** What a 'retrying' event says: why the last attempt failed and when the next one starts. */
export interface RetryInfo {
  url: string;
  /** The socket error's code (ECONNREFUSED, ENOTFOUND, ...) or `closed CODE`. */
  error: string;
  /** 1-based number of the attempt about to be made, of `of`. */
  attempt: number;
  of: number;
  delayMs: number;
}

const zeroMask = (mask: Buffer) => {
  mask.fill(0);
};

/**
 * Delay before reconnect attempt `attempt` (0-based).
 * @example
 * backoffDelay(3, { initialDelayMs: 100 }) // 800
 */
export function backoffDelay(attempt: number, options: ReconnectOptions = {}): number {
  const { initialDelayMs = 100, maxDelayMs = 5_000, factor = 2 } = options;
  return Math.min(maxDelayMs, initialDelayMs * factor ** attempt);
}

/**
 * An authenticated connection to a protocol server that survives transport loss.
 * Events: 'connected' (WelcomeMessage) after each successful handshake; 'message' (validated ServerMessage, never
 * heartbeats or errors); 'disconnected' ({ code, reason, willReconnect }); 'retrying' (RetryInfo) before each
 * reconnect attempt; 'failed' (ProtocolError) once, when the client gives up (remote error, bad frame, wrong token,
 * attempts exhausted) — it is closed afterwards; 'shared-memory' ({ on, reason }) when it answered a shared-memory
 * offer of the server (`on`: large frames skip the socket from now on).
 */
export class ProtocolClient extends EventEmitter {
  /** Shapes that tensors of incoming frames must match; set once the job is known. */
  shapes: Omit<ValidationContext, 'from'> = {};
  private socket: WebSocket | undefined;
  private authenticated = false;
  private stopped = false;
  private attempts = 0;
  private everConnected = false;
  private lastError = '';
  private lastHeard = 0;
  /** performance.now() when the socket delivered the message being emitted (before its decoding and shared-memory read). */
  receivedAt = 0;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;

  // Messages that arrive before anyone listens (the server talks right after the welcome, in the same tick as the
  // connect promise resolving) are held and delivered, in order, to the first 'message' listener.
  private backlog: ServerMessage[] = [];
  private heartbeatIntervalMs: number;
  /** This connection's shared-memory channel once it accepted the server's offer (per connection: reset on close). */
  private shared: SharedFrameChannel | undefined;

  constructor(private readonly options: ProtocolClientOptions) {
    super();
    this.heartbeatIntervalMs = options.heartbeatIntervalMs ?? 5_000;
    this.on('newListener', (event: string) => {
      if (event === 'message' && this.backlog.length) queueMicrotask(() => this.flushBacklog());
    });
  }

  private deliver(message: ServerMessage): void {
    if (this.backlog.length || this.listenerCount('message') === 0) this.backlog.push(message);
    else this.emit('message', message);
  }

  private flushBacklog(): void {
    while (this.backlog.length && this.listenerCount('message') > 0) this.emit('message', this.backlog.shift()!);
  }

  /** True between a successful handshake and the next disconnect. */
  get connected(): boolean {
    return this.authenticated && this.socket?.readyState === WebSocket.OPEN;
  }

  /** Sends one message (version stamped). Returns false when not connected (the caller resends after 'connected'). */
  send(message: Outgoing<WorkerMessage>): boolean {
    return this.sendFrame(encodeMessage(message));
  }

  /**
   * Sends a frame already encoded (encodeMessage), so a caller can time the encoding apart or encode once for many and
   * reuse it. `onWritten` runs once the socket is done with the frame's bytes (error or not): until then a
   * reused buffer must not be overwritten. Returns false when not connected (`onWritten` is not called then).
   */
  sendFrame(frame: Uint8Array, onWritten?: () => void): boolean {
    if (!this.connected) return false;
    sendFrameOver(this.shared, this.socket!, frame, onWritten);
    return true;
  }

  /**
   * Done with every tensor of a message the server sent (`tensors`: any of them, e.g. a params message's params): when
   * it came through shared memory, its read buffer is reused for a later frame (SharedFrameChannel.recycle). No-op
   * otherwise.
   * @example
   * trainer.setParameters(m.params); // copies them
   * client.recycleFrame(m.params);
   */
  recycleFrame(tensors: readonly Float32Array[]): boolean {
    return this.shared?.recycle(tensors[0]?.buffer) ?? false;
  }

  /** True while large frames to and from the server skip the socket (a shared-memory offer was accepted). */
  get sharingMemory(): boolean {
    return this.shared !== undefined;
  }

  /** Answers a shared-memory offer: opens the file and echoes its probe, or declines saying why. */
  private answerOffer(socket: WebSocket, offer: ShmOfferMessage): void {
    let error = '';
    let probe: Uint8Array = new Uint8Array(0);
    if (this.options.sharedMemory === false) error = 'declined: shared memory is off on this worker';
    else {
      let opened: ReturnType<typeof openSharedFrameFile> | undefined;
      try {
        opened = openSharedFrameFile(offer);
        if (offer.broadcastPath) attachSharedBroadcast(opened.channel, offer.broadcastPath);
        this.shared?.close();
        this.shared = opened.channel;
        probe = opened.probe;
      } catch (e) {
        opened?.channel.close();
        error = `cannot use ${opened ? offer.broadcastPath : offer.path}: ${(e as Error).message}`;
      }
    }
    socket.send(encodeMessage({ type: 'shm-accept', probe, error }));
    this.emit('shared-memory', { on: error === '', reason: error } satisfies SharedMemoryOutcome);
  }

  /** Says bye and closes for good (no reconnect). */
  close(reason = 'done'): void {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    clearInterval(this.heartbeatTimer);
    if (this.connected) this.socket!.send(encodeMessage({ type: 'bye', reason }));
    this.socket?.close(1000, reason.slice(0, 100));
  }

  /** @internal Opens one connection attempt. */
  open(): void {
    const o = this.options;
    const handshake = new ClientHandshake(o.token);
    this.authenticated = false;
    const socket = new WebSocket(o.url, {
      maxPayload: o.maxPayload ?? 1 << 30,
      perMessageDeflate: false,
      handshakeTimeout: o.handshakeTimeoutMs ?? 10_000,
      ...(o.zeroMask !== false ? { generateMask: zeroMask } : {}),
      ...(o.tls ? { ca: o.tls.ca, rejectUnauthorized: o.tls.rejectUnauthorized ?? true } : {}),
    });
    this.socket = socket;
    const handshakeTimer = setTimeout(
      () => this.giveUp(new ProtocolError('timeout', `handshake with ${o.url} not done within ${o.handshakeTimeoutMs ?? 10_000} ms`), false),
      o.handshakeTimeoutMs ?? 10_000,
    );
    socket.on('open', () => {
      this.lastHeard = Date.now();
      const id = o.identity?.() ?? { rank: -1, runId: '' };
      socket.send(encodeMessage(handshake.hello({ role: o.role ?? 'worker', rank: id.rank, runId: id.runId, name: o.name ?? '' })));
    });
    socket.on('message', (data, isBinary) => {
      this.receivedAt = performance.now();
      this.lastHeard = Date.now();
      let message: ServerMessage;
      try {
        message = decodeMessage(data, isBinary, { from: 'server', ...this.shapes }) as ServerMessage;
        if (message.type === 'shm-frame') message = readSharedFrame(this.shared, message, { from: 'server', ...this.shapes }) as ServerMessage;
      } catch (error) {
        const pe = error instanceof ProtocolError ? error : new ProtocolError('bad-frame', (error as Error).message);
        if (socket.readyState === WebSocket.OPEN) socket.send(encodeMessage({ type: 'error', code: pe.code, message: pe.message }));
        this.giveUp(pe, true);
        return;
      }
      if (message.type === 'error') {
        this.giveUp(new ProtocolError(message.code === 'auth-failed' ? 'auth-failed' : 'remote-error', `server said ${message.message}`), true);
        return;
      }
      if (message.type === 'heartbeat') return;
      if (!this.authenticated) {
        if (message.type === 'challenge') {
          socket.send(encodeMessage(handshake.answer(message)));
          return;
        }
        if (message.type === 'welcome') {
          // The server proves the token only after this client did; a server that cannot is not the one we want.
          if (!handshake.verify(message)) {
            this.giveUp(new ProtocolError('auth-failed', `server at ${o.url} could not prove the token`), true);
            return;
          }
          clearTimeout(handshakeTimer);
          this.authenticated = true;
          this.everConnected = true;
          this.attempts = 0;
          this.startHeartbeat(socket);
          this.emit('connected', message as WelcomeMessage);
          return;
        }
        this.giveUp(new ProtocolError('unexpected-message', `"${message.type}" before authentication`), true);
        return;
      }
      if (message.type === 'shm-offer') return this.answerOffer(socket, message);
      if (message.type === 'bye') this.stopped = true;
      this.deliver(message);
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      // 'close' follows and decides whether to reconnect; keep the cause for the retry and give-up messages.
      this.lastError = err.code ?? err.message;
    });
    socket.on('close', (code, reasonBuffer) => {
      clearTimeout(handshakeTimer);
      clearInterval(this.heartbeatTimer);
      if (this.socket !== socket) return;
      this.shared?.close();
      this.shared = undefined;
      const wasAuthenticated = this.authenticated;
      this.authenticated = false;
      const reason = reasonBuffer.toString();
      if (code === 1009 && !this.stopped) {
        this.giveUp(new ProtocolError('frame-too-large', `server closed the connection: ${reason || 'frame too large'} (1009)`), false);
        return;
      }
      const reconnect = this.options.reconnect;
      const maxAttempts = reconnect === false ? 0 : (reconnect?.maxAttempts ?? 10);
      const willReconnect = !this.stopped && this.attempts < maxAttempts;
      if (wasAuthenticated || this.stopped) this.emit('disconnected', { code, reason, willReconnect });
      if (this.stopped) return;
      const cause = this.lastError || `closed ${code}${reason ? ` ${reason}` : ''}`;
      this.lastError = '';
      if (!willReconnect) {
        const what = this.everConnected ? `connection to ${o.url} lost (${cause})` : `cannot reach ${o.url} (${cause})`;
        this.giveUp(new ProtocolError('closed', `${what}; gave up after ${this.attempts} reconnect attempts`), false);
        return;
      }
      const delay = backoffDelay(this.attempts++, reconnect || {});
      const info: RetryInfo = { url: o.url, error: cause, attempt: this.attempts, of: maxAttempts, delayMs: delay };
      o.onRetry?.(info);
      this.emit('retrying', info);
      this.reconnectTimer = setTimeout(() => this.open(), delay);
    });
  }

  /**
   * Changes the heartbeat period (e.g. to what the server's job asks for); applies at once when connected.
   * @example
   * client.setHeartbeatInterval(1000);
   */
  setHeartbeatInterval(ms: number): void {
    if (!(Number.isFinite(ms) && ms > 0)) throw new TypeError(`setHeartbeatInterval: expected a positive number of ms, got ${ms}`);
    this.heartbeatIntervalMs = ms;
    if (this.connected) this.startHeartbeat(this.socket!);
  }

  private startHeartbeat(socket: WebSocket): void {
    const interval = this.heartbeatIntervalMs;
    const timeout = this.options.heartbeatTimeoutMs ?? 60_000;
    clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = setInterval(() => {
      if (Date.now() - this.lastHeard > timeout) {
        socket.terminate(); // 'close' reconnects
        return;
      }
      if (socket.readyState === WebSocket.OPEN) socket.send(encodeMessage({ type: 'heartbeat', time: Date.now() }));
    }, interval);
    this.heartbeatTimer.unref();
  }

  private giveUp(error: ProtocolError, closeSocket: boolean): void {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    clearInterval(this.heartbeatTimer);
    if (closeSocket) this.socket?.close(1008, error.code);
    else this.socket?.terminate();
    // An error frame that came in the same read as the welcome is handled before the caller of connectProtocolClient
    // (resolved on the welcome) could listen: tell it one tick later rather than never.
    if (this.listenerCount('failed') === 0) setImmediate(() => this.emit('failed', error));
    else this.emit('failed', error);
  }
}

/**
 * Connects and authenticates; resolves once the server has welcomed this client, rejects with a ProtocolError
 * (wrong token, unreachable after the reconnect attempts, ...).
 * @example
 * const client = await connectProtocolClient({ url: 'ws://127.0.0.1:7070', token: 's3cret' });
 * client.on('message', (m) => { if (m.type === 'params') apply(m.params); });
 * client.send({ type: 'pull' });
 */
export function connectProtocolClient(options: ProtocolClientOptions): Promise<ProtocolClient> {
  if (!options.token) throw new TypeError('connectProtocolClient: option "token" must be a non-empty string');
  if (!/^wss?:\/\//.test(options.url)) throw new TypeError(`connectProtocolClient: option "url" must start with ws:// or wss://, got "${options.url}"`);
  const client = new ProtocolClient(options);
  return new Promise((resolve, reject) => {
    const onConnected = () => {
      client.off('failed', onFailed);
      resolve(client);
    };
    const onFailed = (error: ProtocolError) => {
      client.off('connected', onConnected);
      reject(error);
    };
    client.once('connected', onConnected);
    client.once('failed', onFailed);
    client.open();
  });
}
