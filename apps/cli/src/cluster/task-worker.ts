import type { Logger } from 'pino';
import { runWorker, type WorkerSummary } from '@tensorfleet/worker';
import { selectBackend, type BackendPreference } from '@tensorfleet/core';
import { exitCodes, logMessages } from '@tensorfleet/protocol';
import type { LocalWorkers } from '../commands/local-cluster.js';
import type { ClusterTask } from './cluster-environment.js';
import { FileRendezvous } from './rendezvous.js';

/** How long a worker task waits for rank 0 to publish its server: rank 0 first loads the data and builds the job. */
const rendezvousTimeoutMs = 10 * 60_000;

/** The worker's name in every line and in the PS's `worker joined`: the task's rank and node. */
export const taskWorkerName = (task: ClusterTask): string => `${task.environment}-${task.rank}@${task.node}`;

/** Narrows this process's CUDA_VISIBLE_DEVICES to the task's own GPUs; call it before any backend loads. */
export function narrowToTaskGpus(task: ClusterTask): void {
  if (task.gpus) process.env.CUDA_VISIBLE_DEVICES = task.gpus.join(',');
}

/** The one line each task logs first: where it runs and the CUDA_VISIBLE_DEVICES its worker computes with. */
export function logTaskPlacement(log: Logger, task: ClusterTask): void {
  log.info(
    {
      cluster: task.environment, task: task.rank, tasks: task.worldSize, node: task.node, nodes: task.nodes,
      gpus: process.env.CUDA_VISIBLE_DEVICES ?? null, ps: task.rank === 0,
    },
    `${task.environment} task ${task.rank} of ${task.worldSize} on ${task.node}${task.rank === 0 ? ' (parameter server and worker)' : ' (worker)'}`,
  );
}

/**
 * The worker of a task, in the task's own process (one process per task is what the scheduler allocated and
 * accounts for). It ignores stop signals: rank 0's server checkpoints and then tells every worker to stop.
 */
function startTaskWorker(task: ClusterTask, o: { psUrl: string; token: string; logger: Logger }): { done: Promise<WorkerSummary> } {
  return { done: runWorker({ psUrl: o.psUrl, token: o.token, logger: o.logger, name: taskWorkerName(task), handleSignals: false }) };
}

/**
 * Rank 0's own worker, shaped as the workers `train` supervises: it joins the server in this process.
 */
export function startRankZeroWorker(task: ClusterTask, o: { psUrl: string; token: string; logger: Logger }): LocalWorkers {
  let failure: string | undefined;
  const { done } = startTaskWorker(task, o);
  const exited = done.then(
    () => undefined,
    (err: Error) => {
      failure = `worker ${taskWorkerName(task)}: ${err.message}`;
      throw new Error(failure);
    },
  );
  exited.catch(() => {});
  // The server's stop or failure tells the worker (bye or error); there is no process of its own to signal.
  return { exited, settled: exited.catch(() => {}), stop: () => {}, kill: () => {}, firstError: () => failure, restarts: () => 0 };
}

/**
 * What a task of rank > 0 does: waits for rank 0's server in the rendezvous, trains as a worker until the server ends
 * the run, and returns the exit code (ok only when the run completed; interrupted when it was stopped, e.g. by a
 * preemption).
 */
export async function runWorkerTask(task: ClusterTask, o: { out: string; backend: BackendPreference; log: Logger; workerLogger: Logger }): Promise<number> {
  const ignore = (signal: NodeJS.Signals) => o.log.warn({ signal }, `${signal}: rank 0 checkpoints and stops the run; this worker waits for it`);
  for (const s of task.stops.signals) process.on(s, ignore);
  try {
    await selectBackend({ preferred: o.backend, log: (b) => o.log.info({ backend: b.selected, reason: b.reason }, logMessages.backendSelected) });
    const { url, token } = await new FileRendezvous(o.out, task.id).wait(rendezvousTimeoutMs);
    const summary = await startTaskWorker(task, { psUrl: url, token, logger: o.workerLogger }).done;
    return summary.ended === 'done' ? exitCodes.ok : exitCodes.interrupted;
  } catch (err) {
    o.log.error({ err: (err as Error).message }, logMessages.workerFailed);
    return exitCodes.failed;
  } finally {
    for (const s of task.stops.signals) process.off(s, ignore);
  }
}
