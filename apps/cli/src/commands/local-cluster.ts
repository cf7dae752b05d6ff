import { spawn, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { logMessages } from '@tensorfleet/protocol';
import type { LogRouter } from '../logging.js';

const binPath = fileURLToPath(new URL('../bin.js', import.meta.url));

/** Worker processes of a local cluster: `tensorfleet worker` children whose JSON logs we forward. */
export interface LocalWorkers {
  /** children[i] = the current process of worker i (a restarted worker's newest one). */
  children: ChildProcess[];
  /** Resolves when every worker has exited 0; rejects naming the first one that failed with no restart left. */
  exited: Promise<void>;
  /** SIGTERM every child still running (each finishes its step and says bye); nothing is restarted afterwards. */
  stop(): void;
  /** SIGKILL every child still running; nothing is restarted afterwards. */
  kill(): void;
  /** The first error a worker logged before failing ('worker failed' line), if any: the run's real cause. */
  firstError(): string | undefined;
  /** Restarts done so far. */
  restarts(): number;
}

/** Options of {@link startLocalWorkers}. */
export interface LocalWorkerOptions {
  psUrl: string;
  token: string;
  backend: string;
  /** Where the workers' log lines go (the terminal, log.jsonl). */
  output: LogRouter;
  /** Compute threads per worker (--threads); default: the machine's cores shared out, unless TENSORFLEET_THREADS is set. */
  threads?: number | undefined;
  /** Restarts of failed workers allowed over the whole run (torchrun's --max-restarts). Default 0. */
  maxRestarts?: number;
  /** Asked before each restart: false once the run is over (a worker failing after its PS must not come back). */
  canRestart?: () => boolean;
  /** Told about each restart (for the log). */
  onRestart?: (info: { worker: string; exit: string; restart: number; maxRestarts: number }) => void;
}

/**
 * The environment of local worker i: the token, and — when the HPO coordinator (or a user) allocated GPUs per worker
 * as TENSORFLEET_WORKER_GPUS="0,1;2,3" — CUDA_VISIBLE_DEVICES with worker i's own list, so workers never share a GPU.
 */
export function workerEnvironment(index: number, token: string, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const perWorker = env.TENSORFLEET_WORKER_GPUS?.split(';');
  const gpus = perWorker?.[index];
  if (perWorker && gpus === undefined) {
    throw new Error(`TENSORFLEET_WORKER_GPUS lists GPUs for ${perWorker.length} workers, but worker ${index} was started`);
  }
  return { ...env, TENSORFLEET_TOKEN: token, ...(gpus !== undefined ? { CUDA_VISIBLE_DEVICES: gpus } : {}) };
}

/**
 * Starts `count` worker processes on this machine pointed at the parameter server. The token travels in the
 * environment, not argv, so it does not show in `ps`. Each child has its own process group (a terminal's Ctrl-C reaches
 * only `train`, which stops the run in order) and an IPC channel it watches: it exits the moment this process dies,
 * even by SIGKILL. A worker that fails is started again (it rejoins in the free rank) while restarts are left.
 */
export function startLocalWorkers(count: number, o: LocalWorkerOptions): LocalWorkers {
  const maxRestarts = o.maxRestarts ?? 0;
  let restarts = 0;
  let stopped = false;
  let firstError: string | undefined;
  const children: ChildProcess[] = [];
  // Workers on one machine share its cores: each computes on its share unless told otherwise (TENSORFLEET_THREADS,
  // which the workers read themselves, or --threads).
  const perWorker = o.threads ?? (process.env.TENSORFLEET_THREADS ? undefined : Math.max(1, Math.floor(availableParallelism() / count)));
  const threadArgs = perWorker === undefined ? [] : ['--threads', String(perWorker)];
  const spawnWorker = (i: number): ChildProcess => {
    const child = spawn(process.execPath, [binPath, 'worker', '--ps', o.psUrl, '--backend', o.backend, ...threadArgs, '--name', `local-${i}`, '--json'], {
      env: workerEnvironment(i, o.token),
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      detached: true,
    });
    children[i] = child;
    o.output.forward(child.stdout!);
    child.stderr!.pipe(process.stderr, { end: false });
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (firstError || !line.includes(logMessages.workerFailed)) return;
      try {
        const record = JSON.parse(line) as { msg?: string; err?: string };
        if (record.msg === logMessages.workerFailed) firstError = `worker local-${i}: ${record.err ?? 'failed'}`;
      } catch {
        // not a JSON log line: nothing to learn from it
      }
    });
    return child;
  };
  const runWorker = (i: number): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      const child = spawnWorker(i);
      child.on('error', (err) => reject(new Error(`worker local-${i} could not start: ${err.message}`)));
      child.on('exit', (code, signal) => {
        if (code === 0) return resolve();
        const exit = signal ?? `code ${code}`;
        if (!stopped && restarts < maxRestarts && (o.canRestart?.() ?? true)) {
          restarts += 1;
          firstError = undefined; // the failure was handled; a later one is the cause
          o.onRestart?.({ worker: `local-${i}`, exit, restart: restarts, maxRestarts });
          return runWorker(i).then(resolve, reject);
        }
        reject(new Error(`worker local-${i} exited with ${exit}`));
      });
    });
  const exited = Promise.all(Array.from({ length: count }, (_, i) => runWorker(i))).then(() => undefined);
  exited.catch(() => {});
  const signal = (sig: NodeJS.Signals) => {
    stopped = true;
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill(sig);
  };
  return { children, exited, stop: () => signal('SIGTERM'), kill: () => signal('SIGKILL'), firstError: () => firstError, restarts: () => restarts };
}
