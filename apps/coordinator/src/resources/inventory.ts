import { availableParallelism, hostname } from 'node:os';
import { loadInventory } from '../spec/load.js';
import type { Inventory } from '../spec/schema.js';

/**
 * This machine alone: one slot per core, no GPUs (the default when a study names no inventory).
 *
 * @example
 * localInventory(); // { nodes: [{ name: 'local', host: 'localhost', slots: 2, gpus: 0 }] }
 */
export function localInventory(): Inventory {
  return { nodes: [{ name: 'local', host: 'localhost', slots: availableParallelism(), gpus: 0 }] };
}

/** The inventory a study uses: inline, from a file, or this machine. */
export function resolveInventory(inventory: Inventory | string | undefined): Inventory {
  if (inventory === undefined) return localInventory();
  if (typeof inventory === 'string') return loadInventory(inventory);
  return inventory;
}

export const localHostname = hostname();
