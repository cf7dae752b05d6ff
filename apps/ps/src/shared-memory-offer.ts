import type { Logger } from 'pino';
import { logMessages, tensorFrameBytes, type Peer, type SharedMemoryOutcome } from '@tensorfleet/protocol';

/**
 * Offers a worker's connection a shared-memory channel sized for this server's frames (`values` float32 values: its
 * part of the parameters and every BN state) and logs the worker's answer. Used by the PS and by parameter shards.
 * @example
 * offerSharedMemory(peer, ownedValues + stateValues, log, rank);
 */
export function offerSharedMemory(peer: Peer, values: number, log: Logger, rank: number): void {
  peer.once('shared-memory', ({ on, reason }: SharedMemoryOutcome) => log.info({ rank, sharedMemory: on, ...(on ? {} : { reason }) }, logMessages.workerTransport));
  peer.offerSharedMemory(tensorFrameBytes(values));
}
