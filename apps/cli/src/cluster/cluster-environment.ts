import { slurmEnvironment } from './slurm-environment.js';
import type { StopPolicy } from './stop-policy.js';

/**
 * One task of a cluster that a scheduler started (Slurm's `srun`: one process per task, as torchrun and Lightning
 * expect): where it is and what it may use. Rank 0 hosts the parameter server and trains as worker 0; every other
 * rank is a worker that connects to it. The task count is the worker count.
 */
export interface ClusterTask {
  /** The environment that detected it (`slurm`). */
  readonly environment: string;
  /** 0 .. worldSize-1. */
  readonly rank: number;
  readonly worldSize: number;
  /** The node this task runs on, and every node of the step in the scheduler's order. */
  readonly node: string;
  readonly nodes: string[];
  /** This task's index among the tasks on its node. */
  readonly localRank: number;
  /** The GPUs this task's worker may use (its CUDA_VISIBLE_DEVICES), or undefined when none were allocated. */
  readonly gpus: string[] | undefined;
  /** Names this start of the cluster (job, step, attempt): the rendezvous of rank 0 and the others is keyed by it. */
  readonly id: string;
  /**
   * How the scheduler asks the run to stop (preemption, requeue, time limit): rank 0 checkpoints at the step's end and
   * stops; the other ranks wait for it to tell them.
   */
  readonly stops: StopPolicy;
  /** False when the launcher that submitted the job writes OUT/log.jsonl (from the job's output, every rank's lines). */
  readonly writesRunLogs: boolean;
  /** The address the other tasks reach a server on this task's node at. */
  serverHost(): string;
}

/** A way a process can find out it is a task of a scheduler-started cluster (Lightning's ClusterEnvironment). */
export interface ClusterEnvironment {
  readonly name: string;
  /** True when `env` is that of a task this environment started. */
  detect(env: NodeJS.ProcessEnv): boolean;
  /** This process's task; throws naming the variable when the environment is inconsistent. */
  task(env: NodeJS.ProcessEnv): ClusterTask;
}

/** Every cluster environment `tensorfleet train` recognizes, tried in order. */
export const clusterEnvironments: readonly ClusterEnvironment[] = [slurmEnvironment];

/**
 * The task this process is, when a scheduler started it as one of several; null for an ordinary `tensorfleet train`.
 * @example
 * const task = detectClusterTask(process.env); // under `srun -n 3 tensorfleet train`: { rank: 0, worldSize: 3, ... }
 */
export function detectClusterTask(env: NodeJS.ProcessEnv = process.env): ClusterTask | null {
  const found = clusterEnvironments.find((e) => e.detect(env));
  return found ? found.task(env) : null;
}
