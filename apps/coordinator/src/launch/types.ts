import type { JobHandle } from '@tensorfleet/launch';
import type { ResourcePool } from '../resources/pool.js';
import type { Allocation, ResourceRequest } from '../resources/slots.js';

/** One trial's job, as handed to a launcher. */
export interface TrialJob {
  study: string;
  /** The trial's number within its study (0-based, stable across restarts). */
  trial: number;
  /** The train config file the trial runs. */
  configPath: string;
  /** The trial's own folder (the train command's --out). */
  dir: string;
  /** Continue from the newest checkpoint in dir (a restart after the coordinator died). */
  resume: boolean;
  /** Where the trial's workers run and which GPUs each owns (a cluster-allocated pool leaves node and GPUs to the cluster). */
  allocation: Allocation;
  /** What the trial asked for: its workers and GPUs per worker (a Slurm job's `--gres=gpu:N`). */
  request: ResourceRequest;
  /** The file every log line of the trial is appended to (pino JSON with `trial` set). */
  logPath: string;
}

/** One epoch summary streamed back while the trial runs. Non-finite values (logged as null) become NaN. */
export interface EpochReport {
  epoch: number;
  metrics: Record<string, number>;
}

/** How a trial's job ended. */
export interface TrialExit {
  code: number | null;
  signal: string | null;
  /** The epoch a `msg:"diverged"` line named, if any. */
  divergedEpoch: number | null;
  /** summary.json, when the job printed its path as its last line and the file exists. */
  summaryPath: string | null;
  /** The last lines of stderr, for the error record of a failed trial. */
  stderrTail: string;
  /** Set when the job could not be started at all. */
  startError?: string;
  /** Why a cluster ended the job, when it did (e.g. `Slurm job 41 TIMEOUT on n2`): the failed trial's error leads with it. */
  cause?: string;
}

/** Callbacks a launcher calls as the job reports. They run synchronously, in order. */
export interface TrialHandlers {
  onEpoch(report: EpochReport): void;
  /** The job's state in its cluster changed (queued, running on a node, requeued, ...): for the coordinator's log. */
  onStatus?(status: { state: string; detail: string }): void;
}

/** A started job. */
export interface RunningTrial {
  /** Identifies the job's processes so a later coordinator can clean up after one that died (see Launcher.reap). */
  readonly handle: JobHandle;
  /** Asks the job to stop (SIGTERM-like), forcing it after a grace period; resolves when it has exited. */
  stop(): Promise<void>;
  readonly exited: Promise<TrialExit>;
}

/** Enough to find a job's processes again: for the local launcher, a process-group leader pid and its start time. */
export type { JobHandle } from '@tensorfleet/launch';

/**
 * Starts trial jobs on the nodes an allocation names, streams their epoch metrics back as they come, stops them and
 * reports their exit. The local launcher runs child processes; SSH, Slurm or Kubernetes launchers implement the same
 * interface (start = ssh/srun/create a Job, metrics = its log stream, stop = kill/scancel/delete, handle = its id).
 */
export interface Launcher {
  readonly name: string;
  start(job: TrialJob, handlers: TrialHandlers): RunningTrial;
  /** Ends whatever is left of a job started by a coordinator that died (no-op when it is gone). */
  reap(handle: JobHandle): void | Promise<void>;
  /**
   * Follows a job a coordinator that died started, when the job outlives its coordinator (a Slurm job does): resolves
   * to the job, still queued, running or already ended (its exit then resolves at once, from the cluster's record),
   * or to null when nothing is left of it (the trial is then restarted). Launchers whose jobs die with their
   * coordinator leave it out and are reaped instead.
   */
  adopt?(handle: JobHandle, job: TrialJob, handlers: TrialHandlers): Promise<RunningTrial | null>;
  /** Who hands out the trials' resources: left out, the study's inventory (a SlotPool); a cluster scheduler's own pool otherwise. */
  resourcePool?(): ResourcePool;
}
