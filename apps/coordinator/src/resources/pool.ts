import type { Allocation, ResourceRequest } from './slots.js';

/**
 * Hands trials their worker slots and GPUs and takes them back. The study's inventory (SlotPool) when the coordinator
 * places trials itself; a cluster's scheduler (ClusterPool) when the launcher submits jobs that the cluster places.
 */
export interface ResourcePool {
  /** Throws when no node could ever hold the request (so a study fails at once instead of waiting forever). */
  assertSatisfiable(request: ResourceRequest): void;
  /** Takes resources for a trial, or returns null when nothing fits right now. */
  allocate(trialId: number, request: ResourceRequest): Allocation | null;
  /** Gives a trial's resources back (a no-op for a trial holding none). */
  release(trialId: number): void;
  readonly totalSlots: number;
  readonly usedSlots: number;
}

/**
 * The pool of a cluster that places jobs itself (Slurm): every trial is granted at once, on no node and with no GPU
 * ids yet, because the cluster's scheduler decides where each job runs and which GPUs it gets (GRES) and queues the
 * jobs that do not fit. The study's `budget.maxConcurrent` bounds how many trials are submitted at once.
 *
 * @example
 * const pool = new ClusterPool('slurm');
 * pool.allocate(7, { workers: 1, gpusPerWorker: 2 }); // { trialId: 7, workers: [{ rank: 0, node: 'slurm', host: '', gpus: [] }] }
 */
export class ClusterPool implements ResourcePool {
  private readonly held = new Map<number, number>();

  constructor(private readonly cluster: string) {}

  assertSatisfiable(): void {
    // The cluster refuses a request it can never hold when the job is submitted (sbatch's own error).
  }

  allocate(trialId: number, request: ResourceRequest): Allocation {
    if (this.held.has(trialId)) throw new Error(`trial ${trialId} already holds resources`);
    this.held.set(trialId, request.workers);
    return { trialId, workers: Array.from({ length: request.workers }, (_, rank) => ({ rank, node: this.cluster, host: '', gpus: [] })) };
  }

  release(trialId: number): void {
    this.held.delete(trialId);
  }

  readonly totalSlots = Number.POSITIVE_INFINITY;

  get usedSlots(): number {
    let used = 0;
    for (const workers of this.held.values()) used += workers;
    return used;
  }
}
