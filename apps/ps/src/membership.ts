import type { Logger } from 'pino';
import type { BarrierMessage, Outgoing, Peer, ServerMessage } from '@tensorfleet/protocol';
import { ElasticMembership } from './elastic-membership.js';
import { FixedMembership, RestartMembership } from './fixed-membership.js';
import type { RunLifecycle } from './run-lifecycle.js';

/** Where a worker that passed the handshake goes: a rank (-1: outside the slots until the next epoch) or a refusal. */
export type Admission = { rank: number } | { refused: string };

/**
 * Who holds the W worker ranks of a run and what a join or a loss does to it. One implementation per policy
 * ({@link membershipRegistry}), chosen once from the options: the rest of the server asks it, never a flag.
 */
export interface Membership {
  readonly name: MembershipName;
  /** slots[rank] = the worker holding that rank (elastic: this epoch's members; undefined once lost or evicted). */
  readonly slots: readonly (Peer | undefined)[];
  /** Resolves once every one of the W slots is taken: training may start. */
  readonly ready: Promise<void>;
  readonly trainingStarted: boolean;
  startTraining(): void;
  /** Places a worker connection that passed the handshake (and names this run, if it names one). */
  admit(peer: Peer): Admission;
  /** A worker connection closed. */
  leave(peer: Peer, code: number): void;
  /** Rank `rank`'s worker delivered a step's push or metrics: a loss of that rank is over. */
  atWork(rank: number): void;
  /** At an epoch start: forms the epoch's members and returns the step the epoch ends at. */
  formEpoch(at: { step: number; epoch: number }): Promise<number>;
  /** Sends a barrier (train, validate, test, stop) to every member (elastic: with its rank and the world size). */
  announce(barrier: Outgoing<BarrierMessage>): void;
  /** Whether the ranks that answered a collect are every rank the step needs. */
  complete(answered: ReadonlyMap<number, unknown>): boolean;
  /** Every worker connection it holds (members and waiting joiners). */
  peers(): Peer[];
  /** The run is over: no timer of its own keeps the process alive or fails the run later. */
  end(): void;
}

/** What a membership needs of the run: sizes and timeouts, the log, the run's lifecycle and a few callbacks. */
export interface MembershipDeps {
  readonly worldSize: number;
  readonly runId: string;
  readonly log: Logger;
  readonly lifecycle: RunLifecycle;
  /** How long a lost rank may stay without a working worker (fixed/restart), or an epoch wait for minWorkers (elastic). */
  readonly rejoinTimeoutMs: number;
  /** Steps of an epoch of the full world. */
  readonly stepsPerEpoch: number;
  /** Restart: how many new processes may take over lost ranks over the run. */
  readonly maxRestarts: number;
  /** Elastic: an epoch starts with at least this many workers. */
  readonly minWorkers: number;
  /** Elastic: the steps of an epoch whose data is sharded over `worldSize` members (< 1: no full batch). */
  readonly stepsFor: (worldSize: number) => number;
  /** Elastic: the current parameters, sent to every member at an epoch start. */
  readonly params: () => Outgoing<ServerMessage>;
  /** Elastic: the members changed while a step was collected (an eviction): the collect may be complete now. */
  readonly membersChanged: () => void;
}

/**
 * The membership policies by name, each with what the rest of the run must respect:
 * - `fixed`: W ranks; a lost worker's rank waits `rejoinTimeoutMs` for a worker (its own, reconnected, or a new one)
 *   that trains again, then the run fails.
 * - `restart` (torchrun's --max-restarts): as fixed, but new processes may take over lost ranks `maxRestarts` times.
 * - `elastic`: lost workers are evicted at once and joiners wait for the next epoch, where the world is resized.
 * `fixedEpochs`: every epoch has stepsPerEpoch steps, so a mid-epoch checkpoint resumes into the same epoch.
 * `lockstepOnly`: needs sync consistency and a fixed parameter partition (no SyncBN, no shards).
 */
export const membershipRegistry = {
  fixed: { fixedEpochs: true, lockstepOnly: false, create: (deps: MembershipDeps): Membership => new FixedMembership(deps) },
  restart: { fixedEpochs: true, lockstepOnly: false, create: (deps: MembershipDeps): Membership => new RestartMembership(deps) },
  elastic: { fixedEpochs: false, lockstepOnly: true, create: (deps: MembershipDeps): Membership => new ElasticMembership(deps) },
} as const;

export type MembershipName = keyof typeof membershipRegistry;

/** The policy the options ask for: elastic when `elastic`, restart when `maxRestarts` is given, else fixed. */
export const membershipNameOf = (o: { elastic?: boolean; maxRestarts?: number }): MembershipName =>
  o.elastic ? 'elastic' : o.maxRestarts !== undefined ? 'restart' : 'fixed';
