import { ConfigError } from '@tensorfleet/protocol';
import type { LaunchNode } from './types.js';

/** Where one worker of a multi-node run goes: a node's name and the GPU ids it owns there. */
export interface WorkerPlacement {
  node: string;
  gpus: number[];
}

/**
 * Spreads `count` workers over the nodes the way `mpirun --map-by node` does: one per node in hostfile order, round
 * after round, never more on a node than its slots. A node's GPUs are split evenly among its workers (each worker its
 * own CUDA_VISIBLE_DEVICES); a node without GPUs gives its workers none (an empty CUDA_VISIBLE_DEVICES hides all).
 * Throws a ConfigError naming `source` when the nodes have fewer slots than workers, or fewer GPUs than the workers
 * placed on one of them.
 *
 * @example
 * placeWorkers([{ name: 'a', slots: 2, gpus: [0, 1] }, { name: 'b', slots: 1, gpus: [] }], 3);
 * // [{ node: 'a', gpus: [0] }, { node: 'b', gpus: [] }, { node: 'a', gpus: [1] }]
 */
export function placeWorkers(nodes: readonly LaunchNode[], count: number, source = 'the hosts'): WorkerPlacement[] {
  const slots = nodes.reduce((s, n) => s + n.slots, 0);
  if (slots < count) throw new ConfigError(`${source}: ${nodes.length} host(s) offer ${slots} slot(s), the job needs ${count} workers`);
  const onNode: number[][] = nodes.map(() => []);
  for (let worker = 0, round = 0; worker < count; round++) {
    nodes.forEach((n, i) => {
      if (worker < count && round < n.slots) onNode[i]!.push(worker++);
    });
  }
  const placements: WorkerPlacement[] = new Array(count);
  nodes.forEach((n, i) => {
    const workers = onNode[i]!;
    if (workers.length === 0) return;
    const each = Math.floor(n.gpus.length / workers.length);
    if (n.gpus.length > 0 && each === 0) {
      throw new ConfigError(`${source}: ${n.name} lists ${n.gpus.length} GPU(s) for ${workers.length} workers (one process per GPU at least)`);
    }
    workers.forEach((w, k) => (placements[w] = { node: n.name, gpus: n.gpus.slice(k * each, (k + 1) * each) }));
  });
  return placements;
}
