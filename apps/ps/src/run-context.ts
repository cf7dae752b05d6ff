import type { Logger } from 'pino';
import type { BarrierMessage, MetricsMessage, Outgoing, Peer, PushMessage, StepProfiler } from '@tensorfleet/protocol';
import type { StalenessGate } from './consistency.js';
import type { DataFileServer } from './data-files.js';
import type { PreparedRun, ResolvedOptions } from './run-setup.js';
import type { ShardLink } from './shard-link.js';

/** A pending collect: the push or metrics message every rank owes for one step, gathered by rank. */
export interface Waiter<T> {
  kind: 'push' | 'metrics';
  step: number;
  split?: string;
  got: Map<number, T>;
  /** Called with each message taken, as it arrives (the sync step reduces its pushes then). */
  arrived?: (rank: number, message: T) => void;
  resolve: (v: T[]) => void;
  reject: (e: Error) => void;
}

/** Per-epoch sums of what the workers pushed, and the staleness of the applied gradients. */
export interface EpochStats {
  loss: number;
  computeMs: number;
  commMs: number;
  samples: number;
  correct: number;
  pushes: number;
  staleMax: number;
  staleSum: number;
}

export const emptyEpochStats = (): EpochStats => ({ loss: 0, computeMs: 0, commMs: 0, samples: 0, correct: 0, pushes: 0, staleMax: 0, staleSum: 0 });

/**
 * The state one run's parts share: the model and its position (from {@link PreparedRun}), the connections, and the
 * bookkeeping of the step barrier and of async/SSP. One mutable object, because membership, the training loops and
 * the checkpoints all move the same step, epoch and worker slots.
 */
export interface RunContext extends PreparedRun {
  readonly o: ResolvedOptions;
  /** World size: the number of worker slots. */
  readonly W: number;
  readonly log: Logger;
  readonly shards: ShardLink[];
  readonly shapes: { parameterShapes: number[][]; stateShapes: number[][] };
  /** Serves the job's data files to workers that have no copy. */
  readonly files: DataFileServer;
  updates: number;

  // Membership.
  /** slots[rank] = the worker holding that rank (in elastic runs: this epoch's members; undefined once evicted). */
  slots: (Peer | undefined)[];
  /** Elastic runs: workers that joined mid-epoch, waiting for the next epoch. */
  lobby: Peer[];
  trainingStarted: boolean;
  finished: boolean;
  joinedSomeone: () => void;
  allJoined: () => void;
  readonly rejoinTimers: Map<number, NodeJS.Timeout>;
  /** New workers that took over a lost rank so far (restart membership counts them against maxRestarts). */
  restarts: number;

  // The step barrier.
  barrier: Outgoing<BarrierMessage> | null;
  waiter: Waiter<PushMessage> | Waiter<MetricsMessage> | null;
  /** Ranks whose messages completed the last collect (elastic runs: the members that were still there). */
  collectedRanks: number[];

  // async/ssp: the current epoch's gate and accounting; versionSent[r] = updates when rank r last got parameters.
  gate: StalenessGate | null;
  epochDone: (() => void) | null;
  readonly versionSent: number[];
  readonly latestStates: (Float32Array[] | undefined)[];
  readonly epochStats: EpochStats;

  /** Fails the run (once): rejects the pending collect and {@link RunContext.failure}. */
  readonly failRun: (e: Error) => void;
  /** Rejects when the run fails; raced against every wait so a failure never leaves one hanging. */
  readonly failure: Promise<never>;
  /** Times the phases of each sync step when the STEP_PROFILE_ENV variable is 1 (a no-op otherwise). */
  readonly profile: StepProfiler;
  /** Set by requestStop once training has started: the training loop stops at its next step boundary. */
  stopRequested: boolean;
  /** Resolves when a stop is requested (async epochs race it). */
  readonly stopRequest: Promise<void>;
}

/** What an epoch's training loop hands to the epoch report (defined with the checkpoint's partial sums). */
export type { EpochTotals } from './epoch-totals.js';
