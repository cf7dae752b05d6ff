import type { Logger } from 'pino';
import { ConfigError } from '@tensorfleet/protocol';
import type { ParameterServerHandle } from '@tensorfleet/ps';
import type { ProcessLauncher, WorkerPlacement } from '@tensorfleet/launch';
import type { LogRouter } from '../logging.js';
import type { ClusterTask } from '../cluster/cluster-environment.js';
import { FileRendezvous } from '../cluster/rendezvous.js';
import { stopPolicyOf, type StopPolicy } from '../cluster/stop-policy.js';
import { logTaskPlacement, narrowToTaskGpus, startRankZeroWorker } from '../cluster/task-worker.js';
import { startLocalWorkers, type LocalWorkers } from './local-cluster.js';

/** What a placement's workers start with once the server listens. */
export interface WorkerStart {
  ps: ParameterServerHandle;
  /** The run's worker count (the config's, after the placement's override). */
  workers: number;
  token: string;
  backend: string;
  router: LogRouter;
  cli: Logger;
  threads: number | undefined;
  maxRestarts: number;
  /** False once the run is over or stopping: no worker may be restarted then. */
  canRestart: () => boolean;
  /** Starts the workers (local children, or on SSH hosts), where `placements` say; default: this machine's children. */
  launcher?: ProcessLauncher;
  placements?: WorkerPlacement[];
  /** The server's URL as the workers reach it (default: ps.url). */
  psUrl?: string;
}

/**
 * Where the processes of one `tensorfleet train` run: the parameter server here, and its workers as this machine's
 * child processes (local) or as the tasks a scheduler started (a Slurm step's ranks). `train` asks its placement
 * everything that differs between the two.
 */
export interface TrainPlacement {
  /** The run's worker count, overriding the config's (undefined: the config's or --workers). */
  readonly workers: number | undefined;
  /** Where the server listens (undefined: loopback, any port). */
  readonly listen: { host: string; port: number } | undefined;
  /** Whether this process writes OUT/log.jsonl and metrics.csv. */
  readonly writesRunLogs: boolean;
  /** The signals that stop the run (the first finishes the step, checkpoints and stops), and what a repeat does. */
  readonly stops: StopPolicy;
  /** Logs where this process is (once the run's logger exists). */
  describe(log: Logger): void;
  /** Starts the workers once the server listens. */
  startWorkers(start: WorkerStart): LocalWorkers;
  /** After the run, whatever its end. */
  end(): void;
}

/**
 * Today's `train`: the server in this process, `--workers` child processes on this machine. Inside a Slurm job (a
 * one-task `train --launcher slurm` job, a trial's job) the run stops on Slurm's signals, USR1 among them.
 */
export function localPlacement(flags: Record<string, unknown>): TrainPlacement {
  return {
    workers: flags.workers as number | undefined,
    listen: undefined,
    writesRunLogs: true,
    stops: stopPolicyOf(process.env),
    describe: () => {},
    startWorkers: (s) =>
      startLocalWorkers(s.workers, {
        psUrl: s.psUrl ?? s.ps.url, token: s.token, ...(s.launcher ? { launcher: s.launcher } : {}), ...(s.placements ? { placements: s.placements } : {}), backend: s.backend, output: s.router, threads: s.threads, maxRestarts: s.maxRestarts, canRestart: s.canRestart,
        onRestart: (r) => s.cli.warn(r, `${r.worker} exited with ${r.exit}; restarting it (restart ${r.restart} of ${r.maxRestarts})`),
      }),
    end: () => {},
  };
}

/**
 * Rank 0 of a scheduler-started cluster (`srun -n N tensorfleet train`): the server listens on every interface at a
 * free port, is published to the other ranks through the run folder, and this task trains as one of the N workers.
 * CUDA_VISIBLE_DEVICES is narrowed to the task's GPUs before any backend loads.
 */
export function clusterPlacement(task: ClusterTask, flags: Record<string, unknown>, out: () => string): TrainPlacement {
  if (typeof flags.workers === 'number' && flags.workers !== task.worldSize) {
    throw new ConfigError(`--workers ${flags.workers}: this ${task.environment} step has ${task.worldSize} tasks, one worker each (srun -n sets the workers)`);
  }
  narrowToTaskGpus(task);
  let rendezvous: FileRendezvous | undefined;
  return {
    workers: task.worldSize,
    listen: { host: '0.0.0.0', port: 0 },
    writesRunLogs: task.writesRunLogs,
    stops: task.stops,
    describe: (log) => logTaskPlacement(log, task),
    startWorkers: (s) => {
      const port = new URL(s.ps.url).port;
      rendezvous = new FileRendezvous(out(), task.id);
      rendezvous.publish({ url: `ws://${task.serverHost()}:${port}`, token: s.token });
      return startRankZeroWorker(task, { psUrl: `ws://127.0.0.1:${port}`, token: s.token, logger: s.router.logger() });
    },
    end: () => rendezvous?.remove(),
  };
}
