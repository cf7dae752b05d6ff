import { availableParallelism, hostname } from 'node:os';
import type { ProcessLauncher } from '@tensorfleet/launch';
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

/** A launcher's nodes as an inventory (an SSH hostfile's hosts with their slots and GPU ids), or undefined for this machine. */
export function launcherInventory(launcher: ProcessLauncher): Inventory | undefined {
  return launcher.nodes ? { nodes: launcher.nodes.map((n) => ({ name: n.name, host: n.name, slots: n.slots, gpus: [...n.gpus] })) } : undefined;
}

/** The inventory a study uses: inline, from a file, or this machine. */
export function resolveInventory(inventory: Inventory | string | undefined): Inventory {
  if (inventory === undefined) return localInventory();
  if (typeof inventory === 'string') return loadInventory(inventory);
  return inventory;
}

export const localHostname = hostname();
