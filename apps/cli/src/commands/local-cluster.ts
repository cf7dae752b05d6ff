import { availableParallelism } from 'node:os';
import { logMessages } from '@tensorfleet/protocol';
import { LocalProcessLauncher, tensorfleetCommand, type LaunchedProcess, type ProcessLauncher, type WorkerPlacement } from '@tensorfleet/launch';
import type { LogRouter } from '../logging.js';

/** Worker processes of a cluster: `tensorfleet worker` processes (local children or on hosts) whose JSON logs we forward. */
export interface LocalWorkers {
  /** Resolves when every worker has exited 0; rejects naming the first one that failed with no restart left. */
  exited: Promise<void>;
  /** Resolves once every worker process has ended, however (an elastic run's others go on after one failed). */
  settled: Promise<void>;
  /** SIGTERM every worker still running (each finishes its step and says bye); nothing is restarted afterwards. */
  stop(): void;
  /** SIGKILL every worker still running (and what it started); nothing is restarted afterwards. */
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
  /** Starts the worker processes; default: children of this process. */
  launcher?: ProcessLauncher;
  /** Where each worker runs (default: the launcher's only node, GPUs from TENSORFLEET_WORKER_GPUS); named `NODE-i`. */
  placements?: WorkerPlacement[];
}

/**
 * What local worker i's environment adds: the token, and — when the HPO coordinator (or a user) allocated GPUs per
 * worker as TENSORFLEET_WORKER_GPUS="0,1;2,3" — CUDA_VISIBLE_DEVICES with worker i's own list, so workers never share a GPU.
 */
export function workerEnvironment(index: number, token: string, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const perWorker = env.TENSORFLEET_WORKER_GPUS?.split(';');
  const gpus = perWorker?.[index];
  if (perWorker && gpus === undefined) {
    throw new Error(`TENSORFLEET_WORKER_GPUS lists GPUs for ${perWorker.length} workers, but worker ${index} was started`);
  }
  return { TENSORFLEET_TOKEN: token, ...(gpus !== undefined ? { CUDA_VISIBLE_DEVICES: gpus } : {}) };
}

/**
 * A line of a worker on another node, for log.jsonl and the terminal: its JSON with `host` added, or (stderr, text)
 * a warning line naming host and worker, so a remote worker's every line says where it came from.
 */
function fromNode(text: string, stream: 'stdout' | 'stderr', host: string, name: string): string {
  if (text.startsWith('{')) {
    try {
      const record = JSON.parse(text) as Record<string, unknown>;
      if (typeof record === 'object' && record !== null && !Array.isArray(record)) return JSON.stringify({ host, ...record });
    } catch {
      // not JSON: wrapped below
    }
  }
  return JSON.stringify({ level: stream === 'stderr' ? 40 : 30, time: Date.now(), role: 'worker', host, name, stream, msg: `[${name}] ${text}` });
}

/**
 * Starts `count` worker processes on this machine pointed at the parameter server. The token travels in the
 * environment, not argv, so it does not show in `ps`. Each child has its own process group (a terminal's Ctrl-C reaches
 * only `train`, which stops the run in order) and an IPC channel it watches: it exits the moment this process dies,
 * even by SIGKILL. A worker that fails is started again (it rejoins in the free rank) while restarts are left.
 */
export function startLocalWorkers(count: number, o: LocalWorkerOptions): LocalWorkers {
  const launcher = o.launcher ?? new LocalProcessLauncher();
  const nameOf = (i: number) => `${o.placements?.[i]?.node ?? 'local'}-${i}`;
  const maxRestarts = o.maxRestarts ?? 0;
  let restarts = 0;
  let stopped = false;
  let firstError: string | undefined;
  const running = new Set<LaunchedProcess>();
  // Workers on one machine share its cores: each computes on its share unless told otherwise (TENSORFLEET_THREADS,
  // which the workers read themselves, or --threads).
  const perWorker = o.threads ?? (process.env.TENSORFLEET_THREADS ? undefined : Math.max(1, Math.floor(availableParallelism() / count)));
  const threadArgs = perWorker === undefined ? [] : ['--threads', String(perWorker)];
  const spawnWorker = (i: number): LaunchedProcess => {
    const name = nameOf(i);
    const placement = o.placements?.[i];
    return launcher.start(
      {
        argv: tensorfleetCommand('worker', '--ps', o.psUrl, '--backend', o.backend, ...threadArgs, '--name', name, '--json'),
        env: workerEnvironment(i, o.token),
        label: name,
        ...placement,
      },
      ({ stream, text }) => {
        if (placement) return void o.output.line(fromNode(text, stream, placement.node, name));
        if (stream === 'stderr') return void process.stderr.write(`${text}\n`);
        o.output.line(text);
        if (firstError || !text.includes(logMessages.workerFailed)) return;
        try {
          const record = JSON.parse(text) as { msg?: string; err?: string };
          if (record.msg === logMessages.workerFailed) firstError = `worker ${name}: ${record.err ?? 'failed'}`;
        } catch {
          // not a JSON log line: nothing to learn from it
        }
      },
    );
  };
  const runWorker = async (i: number): Promise<void> => {
    const worker = spawnWorker(i);
    running.add(worker);
    const { code, signal, startError, nodeError } = await worker.exited;
    running.delete(worker);
    if (startError) throw new Error(`worker ${nameOf(i)} could not start: ${startError}`);
    if (nodeError && !stopped) {
      // The host is the cause, not what the other workers say once the run fails because of it.
      const lost = `worker ${nameOf(i)} lost its host ${nodeError}`;
      firstError ??= lost;
      throw new Error(lost);
    }
    if (code === 0) return;
    const exit = signal ?? `code ${code}`;
    if (!stopped && restarts < maxRestarts && (o.canRestart?.() ?? true)) {
      restarts += 1;
      firstError = undefined; // the failure was handled; a later one is the cause
      o.onRestart?.({ worker: nameOf(i), exit, restart: restarts, maxRestarts });
      return runWorker(i);
    }
    throw new Error(`worker ${nameOf(i)} exited with ${exit}`);
  };
  const each = Array.from({ length: count }, (_, i) => runWorker(i));
  const exited = Promise.all(each).then(() => undefined);
  exited.catch(() => {});
  const settled = Promise.allSettled(each).then(() => undefined);
  // stop(): SIGTERM now (SIGKILL only if kill() follows); kill(): SIGKILL now.
  const end = (graceMs: number) => {
    stopped = true;
    for (const w of running) void w.stop(graceMs);
  };
  return { exited, settled, stop: () => end(Infinity), kill: () => end(0), firstError: () => firstError, restarts: () => restarts };
}
