import { logMessages, type BarrierMessage, type Outgoing, type Peer } from '@tensorfleet/protocol';
import type { Admission, Membership, MembershipDeps, MembershipName } from './membership.js';
import { broadcast } from './run-messages.js';
import { rankFor, WorkerSlots } from './worker-slots.js';

/**
 * A fixed world of W ranks. A worker that leaves before training starts only frees its slot. One lost during training
 * starts its rank's rejoin deadline: the run fails unless, within `rejoinTimeoutMs`, a worker holding the rank (its
 * own, reconnected, or a new one) delivers a step. Taking the slot is not enough: a holder that leaves before it
 * delivers leaves the deadline where it was, so a client that keeps taking the free slot and being thrown out (a
 * fuzzer with the token) cannot keep the run waiting past the deadline.
 * @example
 * const membership = membershipRegistry.fixed.create(deps);
 * const { rank } = membership.admit(peer) as { rank: number };
 */
export class FixedMembership extends WorkerSlots implements Membership {
  readonly name: MembershipName = 'fixed';
  /** rank → the timer that fails the run: armed when the rank's worker is lost, cleared when a holder delivers. */
  private readonly deadlines = new Map<number, NodeJS.Timeout>();

  constructor(protected readonly deps: MembershipDeps) {
    super(deps.worldSize);
  }

  admit(peer: Peer): Admission {
    const rank = rankFor(this.slots, peer, this.deps.runId);
    if (rank < 0) return { refused: `all ${this.deps.worldSize} worker slots are taken` };
    const { hello } = peer;
    // A new process taking the rank of a lost worker (not that worker reconnecting) is a takeover.
    const ownReconnect = hello.runId === this.deps.runId && hello.rank === rank;
    if (this.deadlines.has(rank) && !ownReconnect) {
      const refusal = this.takeOver(rank);
      if (refusal) return { refused: refusal };
    }
    this.place(rank, peer);
    return { rank };
  }

  /** Whether a new process may take over lost rank `rank`: null when it may, else why not. Fixed: always. */
  protected takeOver(_rank: number): string | null {
    return null;
  }

  leave(peer: Peer, code: number): void {
    const rank = this.vacate(peer);
    if (rank < 0 || this.deps.lifecycle.finished) return;
    const log = this.deps.log.child({ name: peer.hello.name });
    if (!this.trainingStarted) return log.info({ code, rank }, logMessages.workerLeftBeforeTraining);
    const timeout = this.deps.rejoinTimeoutMs;
    if (this.deadlines.has(rank)) {
      return log.warn({ code, rank }, `the worker holding lost rank ${rank} left before delivering a step; the rank's deadline stands`);
    }
    log.warn({ code, rank }, `worker lost; waiting ${timeout} ms for it to reconnect`);
    const fail = () => this.deps.lifecycle.fail(new Error(`worker rank ${rank} lost and not back within ${timeout} ms`));
    this.deadlines.set(rank, setTimeout(fail, timeout));
  }

  atWork(rank: number): void {
    const deadline = this.deadlines.get(rank);
    if (deadline === undefined) return;
    clearTimeout(deadline);
    this.deadlines.delete(rank);
    this.deps.log.info({ rank }, `lost rank ${rank} delivers again`);
  }

  async formEpoch(at: { step: number; epoch: number }): Promise<number> {
    return (at.epoch + 1) * this.deps.stepsPerEpoch;
  }

  announce(barrier: Outgoing<BarrierMessage>): void {
    broadcast(this.slots, barrier);
  }

  complete(answered: ReadonlyMap<number, unknown>): boolean {
    return answered.size === this.deps.worldSize;
  }

  peers(): Peer[] {
    return this.slots.filter((p): p is Peer => p !== undefined);
  }

  end(): void {
    for (const t of this.deadlines.values()) clearTimeout(t);
    this.deadlines.clear();
  }
}

/**
 * Restart membership (torchrun's --max-restarts): a fixed world where new worker processes may take over lost ranks
 * (starting from the current parameters) at most `maxRestarts` times over the run; afterwards a lost rank waits only
 * for its own worker to reconnect.
 */
export class RestartMembership extends FixedMembership {
  override readonly name: MembershipName = 'restart';
  /** New processes that took over a lost rank so far. */
  restarts = 0;

  protected override takeOver(rank: number): string | null {
    const max = this.deps.maxRestarts;
    if (this.restarts >= max) return `rank ${rank} waits for its own worker to reconnect: no restarts left (maxRestarts ${max})`;
    this.restarts += 1;
    this.deps.log.warn({ rank, restart: this.restarts, maxRestarts: max }, `a new worker takes over rank ${rank} (restart ${this.restarts} of ${max})`);
    return null;
  }
}
