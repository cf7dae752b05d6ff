import type { Peer } from '@tensorfleet/protocol';

/**
 * The rank a worker asks for when it is free (its old one on a reconnect naming this run, or a new worker's, e.g. a
 * Kubernetes completion index), else the first free slot; -1 when full.
 */
export function rankFor(slots: readonly (Peer | undefined)[], peer: Peer, runId: string): number {
  const { rank, runId: named } = peer.hello;
  const asked = rank >= 0 && rank < slots.length && !slots[rank] && (named === runId || named === '');
  return asked ? rank : slots.findIndex((s) => !s);
}

/**
 * The W worker slots every membership keeps: who holds which rank, and the moment all are taken (training may start).
 * @example
 * class MyMembership extends WorkerSlots { ... this.place(rankFor(this.slots, peer, runId), peer) ... }
 */
export class WorkerSlots {
  /** slots[rank] = the worker holding that rank, undefined while free. */
  slots: (Peer | undefined)[];
  /** Resolves once every slot was taken at the same time. */
  readonly ready: Promise<void>;
  trainingStarted = false;
  private allJoined: () => void = () => {};

  constructor(worldSize: number) {
    this.slots = new Array(worldSize).fill(undefined);
    this.ready = new Promise<void>((r) => (this.allJoined = r));
  }

  startTraining(): void {
    this.trainingStarted = true;
  }

  /** Gives `rank` to `peer`. */
  protected place(rank: number, peer: Peer): void {
    this.slots[rank] = peer;
    if (this.slots.every(Boolean)) this.allJoined();
  }

  /** Frees the slot of `peer`; returns its rank, -1 when it held none. */
  protected vacate(peer: Peer): number {
    const rank = this.slots.indexOf(peer);
    if (rank >= 0) this.slots[rank] = undefined;
    return rank;
  }
}
