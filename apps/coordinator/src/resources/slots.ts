import type { ResourcePool } from './pool.js';
import type { Inventory } from '../spec/schema.js';

/** Where one worker of a trial runs and which GPUs it owns. */
export interface WorkerPlacement {
  rank: number;
  node: string;
  host: string;
  /** GPU indices on that node, owned by this worker alone while the trial runs. */
  gpus: number[];
}

/** The resources held by one trial. */
export interface Allocation {
  trialId: number;
  workers: WorkerPlacement[];
}

/** What one trial needs. */
export interface ResourceRequest {
  workers: number;
  gpusPerWorker: number;
}

interface NodeState {
  name: string;
  host: string;
  slots: number;
  freeSlots: number;
  freeGpus: Set<number>;
}

/**
 * Worker slots and GPUs of an inventory, handed to trials and taken back. A trial's workers share one node (the local
 * train command is a single-host cluster), and never more slots or GPUs are handed out than a node has.
 *
 * @example
 * const pool = new SlotPool({ nodes: [{ name: 'a', host: 'a', slots: 4, gpus: 2 }] });
 * const a = pool.allocate(1, { workers: 2, gpusPerWorker: 1 }); // workers get GPUs [0] and [1]
 * pool.release(1);
 */
export class SlotPool implements ResourcePool {
  private readonly nodes: NodeState[];
  private readonly held = new Map<number, { node: NodeState; gpus: number[]; slots: number }>();

  constructor(inventory: Inventory) {
    this.nodes = inventory.nodes.map((n) => ({
      name: n.name, host: n.host, slots: n.slots, freeSlots: n.slots,
      freeGpus: new Set(Array.isArray(n.gpus) ? n.gpus : Array.from({ length: n.gpus }, (_, i) => i)),
    }));
  }

  /** Throws when no node could ever hold the request (so a study fails at once instead of waiting forever). */
  assertSatisfiable(request: ResourceRequest): void {
    const fits = this.nodes.some((n) => n.slots >= request.workers && n.freeGpus.size + this.heldGpus(n) >= request.workers * request.gpusPerWorker);
    if (!fits) {
      const nodes = this.nodes.map((n) => `${n.name} (${n.slots} slots, ${n.freeGpus.size + this.heldGpus(n)} GPUs)`).join(', ');
      throw new RangeError(`resources: a trial needs ${request.workers} worker slot(s) and ${request.workers * request.gpusPerWorker} GPU(s) on one node; the inventory has ${nodes}`);
    }
  }

  private heldGpus(node: NodeState): number {
    let count = 0;
    for (const h of this.held.values()) if (h.node === node) count += h.gpus.length;
    return count;
  }

  /** Takes resources for a trial, or returns null when nothing fits right now. */
  allocate(trialId: number, request: ResourceRequest): Allocation | null {
    if (this.held.has(trialId)) throw new Error(`trial ${trialId} already holds resources`);
    const gpusNeeded = request.workers * request.gpusPerWorker;
    const node = this.nodes.find((n) => n.freeSlots >= request.workers && n.freeGpus.size >= gpusNeeded);
    if (!node) return null;
    const gpus = [...node.freeGpus].sort((a, b) => a - b).slice(0, gpusNeeded);
    for (const g of gpus) node.freeGpus.delete(g);
    node.freeSlots -= request.workers;
    this.held.set(trialId, { node, gpus, slots: request.workers });
    const workers = Array.from({ length: request.workers }, (_, rank) => ({
      rank, node: node.name, host: node.host,
      gpus: gpus.slice(rank * request.gpusPerWorker, (rank + 1) * request.gpusPerWorker),
    }));
    return { trialId, workers };
  }

  /** Gives a trial's resources back (a no-op for a trial holding none). */
  release(trialId: number): void {
    const h = this.held.get(trialId);
    if (!h) return;
    h.node.freeSlots += h.slots;
    for (const g of h.gpus) h.node.freeGpus.add(g);
    this.held.delete(trialId);
  }

  get totalSlots(): number {
    return this.nodes.reduce((s, n) => s + n.slots, 0);
  }

  get usedSlots(): number {
    return this.nodes.reduce((s, n) => s + n.slots - n.freeSlots, 0);
  }
}

/** The CUDA_VISIBLE_DEVICES value for a worker ("" hides every GPU: a CPU worker must not grab one). */
export function cudaVisibleDevices(placement: WorkerPlacement): string {
  return placement.gpus.join(',');
}
