import type { Logger } from 'pino';
import type { BarrierMessage, MetricsMessage, Outgoing, Peer, PushMessage, StepProfiler } from '@tensorfleet/protocol';
import type { DataFileServer } from './data-files.js';
import type { Membership } from './membership.js';
import type { RunLifecycle } from './run-lifecycle.js';
import type { PreparedRun, ResolvedOptions } from './run-setup.js';
import type { ShardLink } from './shard-link.js';

/** A pending collect: the push or metrics message every rank owes for one step, gathered by rank. */
export interface Waiter<T> {
  kind: 'push' | 'metrics';
  step: number;
  split?: string;
  got: Map<number, T>;
  /** Called with each message taken, as it arrives (the sync step reduces its pushes then). */
  arrived?: (rank: number, message: T, peer: Peer) => void;
  resolve: (v: T[]) => void;
  reject: (e: Error) => void;
}

/**
 * One run's model and position (from {@link PreparedRun}) with what moves them: the membership strategy, the run's
 * lifecycle, the current barrier and the pending collect. Modules take the few fields they use (a `Pick` of this),
 * and the consistency strategy is built on it (it is not part of it: nothing else branches on the mode).
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
  readonly membership: Membership;
  readonly lifecycle: RunLifecycle;
  /** The instruction in force (train, validate, test, stop): a worker that (re)joins gets it. */
  barrier: Outgoing<BarrierMessage> | null;
  /** The step collector's pending collect (sync pushes, metrics). */
  waiter: Waiter<PushMessage> | Waiter<MetricsMessage> | null;
  /** Ranks whose messages completed the last collect (elastic runs: the members that were still there). */
  collectedRanks: number[];
  /** Times the phases of each sync step when the STEP_PROFILE_ENV variable is 1 (a no-op otherwise). */
  readonly profile: StepProfiler;
}

/** What an epoch's training loop hands to the epoch report (defined with the checkpoint's partial sums). */
export type { EpochTotals } from './epoch-totals.js';
