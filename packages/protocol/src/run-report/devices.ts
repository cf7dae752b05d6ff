/**
 * The GPUs a process was handed, as its `backend selected` line reports them: CUDA_VISIBLE_DEVICES (tfjs cannot pick
 * a GPU inside a process, so this is the only binding there is), and under Slurm the job, node and GRES GPUs the
 * cluster gave it. A reader (the HPO tests, a user grepping a trial's log) checks with these fields that each trial
 * saw exactly its own GPUs. Fields of variables that are not set are left out.
 */
export interface VisibleDevices {
  /** CUDA_VISIBLE_DEVICES as the process saw it; null when unset (every GPU visible). */
  cudaVisibleDevices: string | null;
  /** SLURM_JOB_ID, under Slurm. */
  slurmJobId?: string;
  /** SLURM_JOB_GPUS: the node's GPU indices Slurm allocated to the job. */
  slurmJobGpus?: string;
  /** SLURMD_NODENAME: the Slurm node the process runs on. */
  slurmNode?: string;
}

/**
 * The VisibleDevices fields of an environment (pass `process.env`; this module stays free of Node imports).
 *
 * @example
 * log.info({ backend, ...visibleDevices(process.env) }, logMessages.backendSelected);
 * // {"cudaVisibleDevices":"2,3","slurmJobId":"41","slurmJobGpus":"2,3","slurmNode":"n1",...}
 */
export function visibleDevices(env: Record<string, string | undefined>): VisibleDevices {
  return {
    cudaVisibleDevices: env.CUDA_VISIBLE_DEVICES ?? null,
    ...(env.SLURM_JOB_ID !== undefined ? { slurmJobId: env.SLURM_JOB_ID } : {}),
    ...(env.SLURM_JOB_GPUS !== undefined ? { slurmJobGpus: env.SLURM_JOB_GPUS } : {}),
    ...(env.SLURMD_NODENAME !== undefined ? { slurmNode: env.SLURMD_NODENAME } : {}),
  };
}
