import { execFileSync } from 'node:child_process';
import { hostname } from 'node:os';
import type { ClusterEnvironment, ClusterTask } from './cluster-environment.js';
import { expandHostList, expandTasksPerNode } from './slurm-hostlist.js';
import { slurmStopPolicy } from './stop-policy.js';

/**
 * Set (to `launcher`) in the environment of a job submitted by `tensorfleet train --launcher slurm`: the submitting
 * command writes OUT/log.jsonl from the job's output file, which holds every rank's lines, so rank 0 does not.
 */
export const slurmRunLogsVariable = 'TENSORFLEET_SLURM_RUN_LOGS';

const count = (env: NodeJS.ProcessEnv, name: string, min: number): number => {
  const raw = env[name];
  const value = Number(raw);
  if (raw === undefined || !Number.isInteger(value) || value < min) throw new Error(`${name}="${raw ?? ''}": expected an integer ≥ ${min}`);
  return value;
};

/** A comma-separated GPU list, or undefined when it is empty or missing. */
const gpuList = (raw: string | undefined): string[] | undefined => {
  const ids = (raw ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '' && s !== 'NoDevFiles');
  return ids.length ? ids : undefined;
};

/**
 * The GPUs of one task. When Slurm bound GPUs per task (`--gpus-per-task`, SLURMD_TRES_BIND=gpu:...) the task's list
 * is already its own. Otherwise (`--gres=gpu:N` per node) every task on a node sees all of the node's GPUs, so they
 * are dealt out in equal contiguous shares by local rank — one process per GPU set, never two on one GPU. With fewer
 * GPUs than tasks on the node they are shared as given.
 */
export function taskGpus(visible: string[] | undefined, o: { localRank: number; tasksOnNode: number; boundBySlurm: boolean }): string[] | undefined {
  if (!visible || o.boundBySlurm || o.tasksOnNode <= 1) return visible;
  const share = Math.floor(visible.length / o.tasksOnNode);
  if (share === 0) return visible;
  return visible.slice(o.localRank * share, (o.localRank + 1) * share);
}

/** The address Slurm reaches a node at (its NodeAddr), else the node name as a host name. */
function nodeAddress(node: string, env: NodeJS.ProcessEnv): string {
  try {
    const line = execFileSync('scontrol', ['show', 'node', '-o', node], { env, encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'ignore'] });
    const addr = /(?:^|\s)NodeAddr=(\S+)/.exec(line)?.[1];
    if (addr && addr !== '(null)') return addr;
  } catch {
    // scontrol missing or slurmctld not answering: the node's own name is the next best guess
  }
  return node === env.SLURMD_NODENAME ? hostname() : node;
}

/**
 * Tasks of a Slurm job step (`srun tensorfleet train` with more than one task), read the way Lightning's
 * SLURMEnvironment and torchrun do: SLURM_PROCID (rank), SLURM_STEP_NUM_TASKS (world), SLURM_STEP_NODELIST,
 * SLURM_LOCALID and SLURM_STEP_TASKS_PER_NODE (the node's share of GPUs), CUDA_VISIBLE_DEVICES / SLURM_STEP_GPUS.
 * A batch script itself (no SLURM_STEP_ID) or a one-task step is not a cluster: `tensorfleet train` there runs its
 * ordinary local cluster inside the allocation.
 */
export const slurmEnvironment: ClusterEnvironment = {
  name: 'slurm',
  detect: (env) => env.SLURM_STEP_ID !== undefined && env.SLURM_PROCID !== undefined && Number(env.SLURM_STEP_NUM_TASKS ?? env.SLURM_NTASKS ?? 1) > 1,
  task(env): ClusterTask {
    const worldSize = count(env, env.SLURM_STEP_NUM_TASKS !== undefined ? 'SLURM_STEP_NUM_TASKS' : 'SLURM_NTASKS', 1);
    const rank = count(env, 'SLURM_PROCID', 0);
    if (rank >= worldSize) throw new Error(`SLURM_PROCID=${rank} is not below the step's ${worldSize} tasks`);
    const nodes = expandHostList(env.SLURM_STEP_NODELIST ?? env.SLURM_JOB_NODELIST ?? env.SLURMD_NODENAME ?? '');
    const node = env.SLURMD_NODENAME ?? hostname();
    const localRank = env.SLURM_LOCALID !== undefined ? count(env, 'SLURM_LOCALID', 0) : 0;
    const perNode = env.SLURM_STEP_TASKS_PER_NODE ?? env.SLURM_TASKS_PER_NODE;
    const tasksOnNode = perNode ? (expandTasksPerNode(perNode)[nodes.indexOf(node)] ?? 1) : 1;
    const gpus = taskGpus(gpuList(env.CUDA_VISIBLE_DEVICES ?? env.SLURM_STEP_GPUS ?? env.SLURM_JOB_GPUS), {
      localRank, tasksOnNode, boundBySlurm: /(^|,)gpu:/.test(env.SLURMD_TRES_BIND ?? ''),
    });
    return {
      environment: 'slurm',
      rank,
      worldSize,
      node,
      nodes,
      localRank,
      gpus,
      id: `slurm-${env.SLURM_JOB_ID ?? 'job'}.${env.SLURM_STEP_ID}-${env.SLURM_RESTART_COUNT ?? '0'}`,
      stops: slurmStopPolicy,
      writesRunLogs: env[slurmRunLogsVariable] !== 'launcher',
      serverHost: () => nodeAddress(node, env),
    };
  },
};
