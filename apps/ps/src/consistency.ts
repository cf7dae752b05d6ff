import type { Outgoing, Peer, PushMessage, ServerMessage } from '@tensorfleet/protocol';
import { consistencySpecs, type ConsistencyChoice, type ConsistencyName } from '@tensorfleet/protocol';
import { AsyncConsistency } from './async-consistency.js';
import type { EpochTotals } from './epoch-totals.js';
import { membershipRegistry } from './membership.js';
import type { RunContext } from './run-context.js';
import { SyncConsistency } from './sync-consistency.js';

/** What an epoch's training hands to the epoch report. */
export interface EpochResult {
  /** The epoch's sums, over all its steps (those before a mid-epoch resume included). */
  totals: EpochTotals;
  /** Gradients applied in the epoch (1 per step in sync, W per step in async/ssp), before a resume included. */
  updates: number;
  /** Staleness of the applied gradients: optimizer updates between a worker's parameters and the apply. */
  staleness: { max: number; mean: number };
}

/**
 * How the parameter server turns the workers' gradients into updates. One implementation per mode
 * ({@link consistencyRegistry}), created once from the options; the rest of the server calls it, never a mode check.
 */
export interface Consistency {
  readonly name: ConsistencyName;
  /** The mode as configured: `sync`, `async` or `ssp:S`. */
  readonly text: string;
  /** Trains the current epoch up to `endStep` (the members already know the epoch's barrier is coming). */
  runEpoch(endStep: number): Promise<EpochResult>;
  /** A member's gradient push. */
  push(rank: number, peer: Peer, m: PushMessage): void;
  /** The parameters message for `rank` (async/ssp: at that worker's own clock; the version it got is recorded). */
  paramsFor(rank: number): Outgoing<ServerMessage>;
  /** Optimizer updates since `rank` last got parameters: the staleness its next gradient would have (sync: 0). */
  stalenessOf(rank: number): number;
}

/** What a consistency is built on: the run, and how to checkpoint it (sync checkpoints between steps). */
export interface ConsistencyDeps {
  run: RunContext;
  checkpoint: () => Promise<void>;
}

/**
 * The consistency modes by name, each with its options schema (from the config's one definition in
 * @tensorfleet/protocol) and `lockstep`: whether all workers compute each step together (SyncBN, parameter shards
 * and elastic membership need it).
 * @example
 * const consistency = consistencyRegistry[choice.name].create(choice, { run, checkpoint });
 */
export const consistencyRegistry = {
  sync: {
    ...consistencySpecs.sync, lockstep: true,
    create: (_c: ConsistencyChoice, { run, checkpoint }: ConsistencyDeps): Consistency =>
      new SyncConsistency(run, checkpoint, membershipRegistry[run.membership.name].fixedEpochs),
  },
  async: {
    ...consistencySpecs.async, lockstep: false,
    create: (_c: ConsistencyChoice, { run }: ConsistencyDeps): Consistency => new AsyncConsistency(run, 'async', Infinity),
  },
  ssp: {
    ...consistencySpecs.ssp, lockstep: false,
    create: (c: ConsistencyChoice, { run }: ConsistencyDeps): Consistency => {
      const { bound } = c as Extract<ConsistencyChoice, { name: 'ssp' }>;
      return new AsyncConsistency(run, `ssp:${bound}`, bound);
    },
  },
} as const;

/** Creates the strategy of a parsed mode. */
export const createConsistency = (choice: ConsistencyChoice, deps: ConsistencyDeps): Consistency => consistencyRegistry[choice.name].create(choice, deps);
