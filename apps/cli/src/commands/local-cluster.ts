import { spawn, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { logMessages } from '@tensorfleet/protocol';
import type { LogRouter } from '../logging.js';

const binPath = fileURLToPath(new URL('../bin.js', import.meta.url));

/** Worker processes of a local cluster: `tensorfleet worker` children whose JSON logs we forward. */
export interface LocalWorkers {
  children: ChildProcess[];
  /** Resolves when every child has exited; rejects naming the first one that failed. */
  exited: Promise<void>;
  /** SIGTERM every child still running (each finishes or abandons its step and says bye). */
  stop(): void;
  /** The first error a worker logged before failing ('worker failed' line), if any: the run's real cause. */
  firstError(): string | undefined;
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
 * environment, not argv, so it does not show in `ps`.
 */
export function startLocalWorkers(
  count: number,
  { psUrl, token, backend, output, threads }: { psUrl: string; token: string; backend: string; output: LogRouter; threads?: number | undefined },
): LocalWorkers {
  // Workers on one machine share its cores: each computes on its share unless told otherwise (TENSORFLEET_THREADS,
  // which the workers read themselves, or --threads).
  const perWorker = threads ?? (process.env.TENSORFLEET_THREADS ? undefined : Math.max(1, Math.floor(availableParallelism() / count)));
  const threadArgs = perWorker === undefined ? [] : ['--threads', String(perWorker)];
  const children = Array.from({ length: count }, (_, i) =>
    spawn(process.execPath, [binPath, 'worker', '--ps', psUrl, '--backend', backend, ...threadArgs, '--name', `local-${i}`, '--json'], {
      env: workerEnvironment(i, token),
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  let firstError: string | undefined;
  children.forEach((child, i) => {
    output.forward(child.stdout!);
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
  });
  const exited = Promise.all(
    children.map(
      (child, i) =>
        new Promise<void>((resolve, reject) => {
          child.on('error', (err) => reject(new Error(`worker local-${i} could not start: ${err.message}`)));
          child.on('exit', (code, signal) =>
            code === 0 ? resolve() : reject(new Error(`worker local-${i} exited with ${signal ?? `code ${code}`}`)),
          );
        }),
    ),
  ).then(() => undefined);
  exited.catch(() => {});
  return {
    children,
    exited,
    stop: () => children.forEach((c) => c.exitCode === null && c.signalCode === null && c.kill('SIGTERM')),
    firstError: () => firstError,
  };
}
