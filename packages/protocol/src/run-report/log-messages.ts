/**
 * The `msg` of the log lines other processes act on. A reader matches a line by these constants, never by a
 * hand-typed string, so renaming a message cannot silently break `tensorfleet logs`, the coordinator or the terminal.
 */
export const logMessages = {
  /** The parameter server's end-of-epoch line: fields are EpochLine. */
  epoch: 'epoch',
  /** The run diverged (the CLI's last line before exit code 3); may carry `epoch`. */
  diverged: 'diverged',
  /** A worker gave up: `err` holds the reason (the local cluster reports the first one as the run's cause). */
  workerFailed: 'worker failed',
  /** A process picked its tfjs backend: `backend`, `reason`, and the GPUs it was handed (VisibleDevices fields). */
  backendSelected: 'backend selected',
  /** All workers joined: `workers`, `stepsPerEpoch`, `epochs`. */
  training: 'all workers joined; training',
  /** The parameter server admitted a worker: `name`, `rank`, `remote`. */
  workerJoined: 'worker joined',
  /** A worker built its model and loaded its data: it starts its first step (`worldSize`, `stepsPerEpoch`, `step`, `bn`). */
  workerReady: 'job received; model and data ready',
  /** A worker answered the shared-memory offer: `sharedMemory` (its large frames skip the socket) and `reason` if not. */
  workerTransport: 'worker transport',
  /** A worker that joined left before training started; its slot is free again: `name`, `rank`. */
  workerLeftBeforeTraining: 'worker left before training started; its slot is free again',
  /** The parameter server evaluated the test split: `test` {loss, top1, top5, count}. */
  testEvaluation: 'test evaluation',
  /** The command finished: testAccuracy, testLoss, wallSeconds, samplesPerSec. */
  finished: 'run finished',
  /** A client lost or could not reach its server and tries again: `url`, `error`, `attempt`, `of`, `delayMs`. */
  retrying: 'retrying',
  /** A process's step profile at its end (STEP_PROFILE_ENV=1): `profile` is a StepProfileReport. */
  stepProfile: 'step profile',
} as const;
export type LogMessage = (typeof logMessages)[keyof typeof logMessages];
