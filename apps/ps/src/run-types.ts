import type { NormalizationStats } from '@tensorfleet/core';
import type { CombinedMetrics } from './aggregate.js';
import type { WorkerEpochTimes, WorkerStatus } from './metrics.js';

/** One epoch's record in the summary and the logs. */
export interface EpochSummary {
  epoch: number;
  steps: number;
  /** Mean over the epoch's steps of the workers' mean training loss (regularization included). */
  trainLoss: number;
  val: CombinedMetrics | null;
  /** Learning rate used during the epoch. */
  lr: number;
  seconds: number;
  samplesPerSec: number;
  /** Fraction of the epoch's training samples predicted right (training mode, dropout on). */
  trainAccuracy: number;
  computeMsPerStep: number;
  commMsPerStep: number;
  /** Gradients applied this epoch (W per step in async/ssp, 1 per step in sync). */
  updates: number;
  /** Staleness of the applied gradients: optimizer updates between the worker's parameters and the apply. */
  staleness: { max: number; mean: number };
}

/** What a finished run returns. */
export interface TrainingSummary {
  runId: string;
  worldSize: number;
  /** Global steps done (async/ssp: steps of the slowest worker). */
  steps: number;
  /** Optimizer updates applied. */
  updates: number;
  consistency: string;
  epochs: EpochSummary[];
  test: CombinedMetrics | null;
  wallSeconds: number;
  /** Last checkpoint folder (model.json + weights.bin + normalization.json + state.msgpack), or null. */
  checkpoint: string | null;
  normalization: NormalizationStats | null;
  parameterNames: string[];
  parameters: Float32Array[];
  states: Float32Array[];
}

/** Handle of a running parameter server. */
export interface ParameterServerHandle {
  port: number;
  /** ws://host:port (wss:// with TLS) for the workers. */
  url: string;
  runId: string;
  /** http://host:port/metrics when `metrics` was asked for, else null. */
  metricsUrl: string | null;
  /** Every worker connection seen: rank, host, step, last frame, step times, straggler mark. */
  workers(): WorkerStatus[];
  /** Each worker's mean compute and communication ms per step, per epoch. */
  workerEpochs(): WorkerEpochTimes[];
  /** Resolves with the summary when training is over; rejects if the run fails (lost worker, close()). */
  done: Promise<TrainingSummary>;
  /** Copies of the current step, parameters and BN states (for tests and monitoring). */
  snapshot(): { step: number; epoch: number; parameters: Float32Array[]; states: Float32Array[] };
  /**
   * Asks the run to stop soon and cleanly: a sync run finishes the step in progress, checkpoints it (when checkpoints
   * are on; elastic and async runs keep their newest epoch-end checkpoint) and tells the workers it stopped; `done`
   * then rejects with {@link RunStopped}. Before training starts it stops at once.
   */
  requestStop(): void;
  /** Stops the server now; an unfinished run's `done` rejects. */
  close(): Promise<void>;
}

/**
 * Why `done` rejects when the run was asked to stop ({@link ParameterServerHandle.requestStop}) rather than failed:
 * the step it stopped at and the newest checkpoint to continue from (`resume: true`), if any.
 * @example
 * try { await ps.done } catch (e) { if (e instanceof RunStopped) console.log(`resume from ${e.checkpoint}`) }
 */
export class RunStopped extends Error {
  constructor(
    readonly step: number,
    readonly checkpoint: string | null,
  ) {
    super(`stopped at step ${step}${checkpoint ? `; newest checkpoint ${checkpoint}` : '; no checkpoint written'}`);
    this.name = 'RunStopped';
  }
}
