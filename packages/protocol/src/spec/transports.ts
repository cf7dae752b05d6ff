import { z } from 'zod';

/**
 * How tensor frames travel between the parameter server and a worker, by name: the one definition the config field,
 * the CLI flag's choices and the parameter server's offer are built from. Control messages always take the websocket.
 */
export const transportSpecs = {
  auto: 'shared memory (/dev/shm) for workers on the parameter server\'s host, the websocket for the others',
  ws: 'the websocket for every worker (no shared memory)',
} as const;

export type TransportName = keyof typeof transportSpecs;
export const transportNames = Object.keys(transportSpecs) as [TransportName, ...TransportName[]];

/** Whether a peer in this transport mode offers (a server) or takes (a worker) a shared-memory channel. */
export const usesSharedMemory = (transport: TransportName): boolean => transport === 'auto';

/** The config field. */
export const transportField = z
  .enum(transportNames)
  .default('auto')
  .describe(Object.entries(transportSpecs).map(([name, what]) => `${name}: ${what}`).join('; '));
