/**
 * The message vocabulary (kept small, ps-lite style). Every message carries `type` and the protocol version `v`.
 * Tensor-valued fields (Float32Array[]) travel as raw little-endian bytes after the control map, see frame.ts.
 */

import type { FileChunkMessage, FileRequestMessage } from './data-files.js';
import type { TransportName } from './spec/transports.js';

/** Version of the message vocabulary; a peer speaking another version is refused with `bad-version`. */
export const PROTOCOL_VERSION = 4; // 2: the worker proves the token first; 3: shared-memory frames (shm-offer/accept/frame); 4: a shared broadcast ring

/** Worker → server: opens the handshake with a fresh nonce for the server to prove it knows the token. */
export interface HelloMessage {
  type: 'hello';
  v: number;
  /**
   * 'worker' for the training connection; 'collective' for a worker's SyncBN communication thread; 'primary' for the
   * primary parameter server driving a parameter shard.
   */
  role: 'worker' | 'collective' | 'primary';
  clientNonce: Uint8Array;
  /** Rank held before a reconnect, so the server can give the same one back; -1 when new. */
  rank: number;
  /** Run id known before a reconnect ('' when new): a worker of another run is refused. */
  runId: string;
  name: string;
}

/** Server → worker: the server's random nonce. Nothing in it depends on the token (see ServerHandshake). */
export interface ChallengeMessage {
  type: 'challenge';
  v: number;
  nonce: Uint8Array;
}

/** Worker → server: HMAC response to the challenge. The token itself never travels. */
export interface AuthMessage {
  type: 'auth';
  v: number;
  response: Uint8Array;
}

/** Server → worker: authentication succeeded; `proof` is the server's HMAC over both nonces (sent only now). */
export interface WelcomeMessage {
  type: 'welcome';
  v: number;
  sessionId: string;
  proof: Uint8Array;
}

/**
 * Server → worker: what to train. `spec` is the job description (model spec, dataset spec, hyper-parameters): the
 * application validates its content; the protocol only checks that it is a map.
 */
export interface JobMessage {
  type: 'job';
  v: number;
  runId: string;
  rank: number;
  worldSize: number;
  seed: number;
  step: number;
  epoch: number;
  stepsPerEpoch: number;
  /** Shapes of ALL the model's parameters (a sharded server's push/params carry only its own part). */
  parameterShapes: number[][];
  stateShapes: number[][];
  spec: Record<string, unknown>;
  /**
   * Sharded parameter servers: the parameter indices this (primary) server owns, and every other shard's address and
   * indices. Empty `shards` (and all indices owned) without sharding.
   */
  owned: number[];
  shards: { url: string; parameters: number[] }[];
}

/**
 * Primary parameter server → parameter shard: 'init' (run id, position, the shard's initial parameters; resume from
 * its checkpoint part at `step` when `checkpointDir` holds one), 'epoch' (learning rate in force from `step` on),
 * 'snapshot' (answer with a params message of the shard's part; also write a checkpoint part when `checkpointDir` is
 * set), 'stop'.
 */
export interface ControlMessage {
  type: 'control';
  v: number;
  action: 'init' | 'epoch' | 'snapshot' | 'stop';
  runId: string;
  step: number;
  epoch: number;
  lr: number;
  /** init: world size W and steps per epoch of the run. */
  workers: number;
  stepsPerEpoch: number;
  /** init: the shard's optimizer `{ name, options }` (core's createOptimizer). */
  optimizer: Record<string, unknown>;
  checkpointDir: string;
  /** init: the run's transport (transportSpecs): whether the shard offers its workers shared memory. */
  transport: TransportName;
  params: Float32Array[];
}

/** Worker → server: send me the current parameters. */
export interface PullMessage {
  type: 'pull';
  v: number;
}

/** Worker → server: gradients of step `step` (one per parameter), this worker's BN moving stats, its batch's loss. */
export interface PushMessage {
  type: 'push';
  v: number;
  step: number;
  loss: number;
  count: number;
  /** Rows of the batch whose top-1 prediction (training mode) was right: the epoch's training accuracy. */
  correct: number;
  /** This step's forward/backward time. */
  computeMs: number;
  /**
   * The previous step's communication: from the end of its compute (sealing and sending the push included) until
   * its new parameters were in the model, less the next batch's preparation done meanwhile (0 on the first step).
   */
  commMs: number;
  grads: Float32Array[];
  states: Float32Array[];
}

/** Server → worker: the parameters (and averaged BN stats) in force from step `step` on. */
export interface ParamsMessage {
  type: 'params';
  v: number;
  step: number;
  epoch: number;
  lr: number;
  params: Float32Array[];
  states: Float32Array[];
}

/**
 * Collective thread → server: this rank's contribution to allreduce call `call` of training step `step` (SyncBN:
 * forward [Σx, Σx², count], backward [Σdy, Σdy·x̂] per BN layer). `values` holds exactly one tensor.
 */
export interface AllreduceMessage {
  type: 'allreduce';
  v: number;
  step: number;
  call: number;
  values: Float32Array[];
}

/** Server → collective thread: the elementwise sum over all ranks (in rank order) of call `call` of step `step`. */
export interface ReducedMessage {
  type: 'reduced';
  v: number;
  step: number;
  call: number;
  values: Float32Array[];
}

/** What a worker does next at a barrier ('wait': nothing until the next barrier, e.g. an elastic joiner mid-epoch). */
export type BarrierAction = 'train' | 'validate' | 'test' | 'stop' | 'wait';

/** Server → worker: the step barrier between phases (train an epoch, evaluate val/test, stop). */
export interface BarrierMessage {
  type: 'barrier';
  v: number;
  step: number;
  epoch: number;
  action: BarrierAction;
  /**
   * Elastic runs: this worker's rank and the world size for this phase (membership changes between epochs), and for
   * 'train' the number of steps of the epoch, which starts at `step`. Absent: the job message's rank and world size.
   */
  rank?: number;
  worldSize?: number;
  steps?: number;
}

/** Worker → server: evaluation (or training) metrics over `count` samples; means over those samples. */
export interface MetricsMessage {
  type: 'metrics';
  v: number;
  step: number;
  epoch: number;
  split: 'train' | 'val' | 'test';
  loss: number;
  top1: number;
  top5: number;
  count: number;
}

/** Either way: liveness; the receiver of a worker's heartbeat answers with one. */
export interface HeartbeatMessage {
  type: 'heartbeat';
  v: number;
  time: number;
}

/** Either way: a refusal naming the problem; the sender closes the connection after it. */
export interface ErrorMessage {
  type: 'error';
  v: number;
  code: string;
  message: string;
}

/** Either way: orderly goodbye. */
export interface ByeMessage {
  type: 'bye';
  v: number;
  reason: string;
}

/**
 * Server → worker, after authentication: a shared-memory file on the server's host for this connection's large
 * frames (see SharedFrameChannel). The worker answers with shm-accept either way.
 */
export interface ShmOfferMessage {
  type: 'shm-offer';
  v: number;
  path: string;
  slotBytes: number;
  slots: number;
  /**
   * The server's broadcast ring (SharedBroadcastRing), of the same geometry: frames every peer gets are written there
   * once. Empty when the server has none; a worker that cannot open it declines the whole offer.
   */
  broadcastPath: string;
}

/**
 * Worker → server: the answer to shm-offer. `probe` echoes the 32 bytes read from the offered file (proving the worker
 * shares it); empty, with `error` saying why, when the worker cannot use it (another host, disabled, ...).
 */
export interface ShmAcceptMessage {
  type: 'shm-accept';
  v: number;
  probe: Uint8Array;
  error: string;
}

/**
 * Either way, once shm-accept succeeded: the next frame is in the sender's shared-memory ring as record `seq`; or,
 * `broadcast` (server → worker only), in the server's broadcast ring.
 */
export interface ShmFrameMessage {
  type: 'shm-frame';
  v: number;
  seq: number;
  length: number;
  broadcast: boolean;
}

export type WorkerMessage = HelloMessage | AuthMessage | PullMessage | PushMessage | MetricsMessage | AllreduceMessage | ControlMessage | FileRequestMessage | ShmAcceptMessage | ShmFrameMessage | HeartbeatMessage | ErrorMessage | ByeMessage;
export type ServerMessage = ChallengeMessage | WelcomeMessage | JobMessage | ParamsMessage | BarrierMessage | ReducedMessage | FileChunkMessage | ShmOfferMessage | ShmFrameMessage | HeartbeatMessage | ErrorMessage | ByeMessage;
export type Message = WorkerMessage | ServerMessage;
export type MessageType = Message['type'];

/** Sends without `v`: the endpoints stamp the version. */
export type Outgoing<M extends Message> = M extends Message ? Omit<M, 'v'> & { v?: number } : never;

/** Which fields of each message type are tensor lists (carried in the frame's payload, not in the control map). */
export const TENSOR_FIELDS: Readonly<Record<string, readonly string[]>> = {
  push: ['grads', 'states'],
  params: ['params', 'states'],
  allreduce: ['values'],
  control: ['params'],
  reduced: ['values'],
};

export const WORKER_MESSAGE_TYPES: readonly string[] = ['hello', 'auth', 'pull', 'push', 'metrics', 'allreduce', 'control', 'file-request', 'shm-accept', 'shm-frame', 'heartbeat', 'error', 'bye'];
export const SERVER_MESSAGE_TYPES: readonly string[] = ['challenge', 'welcome', 'job', 'params', 'barrier', 'reduced', 'file-chunk', 'shm-offer', 'shm-frame', 'heartbeat', 'error', 'bye'];
