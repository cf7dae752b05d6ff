import { encodeMessage, logMessages, type BarrierMessage, type Outgoing, type Peer } from '@tensorfleet/protocol';
import type { Admission, Membership, MembershipDeps, MembershipName } from './membership.js';
import { rankFor, WorkerSlots } from './worker-slots.js';

/**
 * Elastic membership (sync consistency): a worker whose connection closes is evicted at once and the step barrier goes
 * on with the others; one that joins during training waits outside the slots until the next epoch. At every epoch
 * start the members still there keep their order, the joiners follow, and the data is resharded over them.
 * @example
 * const membership = membershipRegistry.elastic.create(deps);
 * const endStep = await membership.formEpoch(run); // waits for minWorkers, re-ranks, sends the parameters
 */
export class ElasticMembership extends WorkerSlots implements Membership {
  readonly name: MembershipName = 'elastic';
  /** Workers that joined during training, waiting for the next epoch. */
  private readonly lobby: Peer[] = [];
  /** The current epoch's steps (sent with its train barrier). */
  private steps = 0;
  private joined: () => void = () => {};

  constructor(private readonly deps: MembershipDeps) {
    super(deps.worldSize);
  }

  admit(peer: Peer): Admission {
    if (this.trainingStarted) {
      this.lobby.push(peer);
      this.joined();
      return { rank: -1 };
    }
    const rank = rankFor(this.slots, peer, this.deps.runId);
    if (rank < 0) return { refused: `all ${this.deps.worldSize} worker slots are taken` };
    this.place(rank, peer);
    return { rank };
  }

  leave(peer: Peer, code: number): void {
    if (this.lobby.includes(peer)) this.lobby.splice(this.lobby.indexOf(peer), 1);
    const rank = this.vacate(peer);
    if (rank < 0 || this.deps.lifecycle.finished) return;
    const log = this.deps.log.child({ name: peer.hello.name });
    if (!this.trainingStarted) return log.info({ code, rank }, logMessages.workerLeftBeforeTraining);
    log.warn({ code, rank }, 'worker evicted; the step barrier goes on with the others');
    this.deps.membersChanged();
  }

  atWork(): void {}

  /** Waits (up to rejoinTimeoutMs) for minWorkers, re-ranks the members, sends them the parameters. */
  async formEpoch(at: { step: number; epoch: number }): Promise<number> {
    const { minWorkers, rejoinTimeoutMs, lifecycle } = this.deps;
    const deadline = Date.now() + rejoinTimeoutMs;
    while (this.slots.filter(Boolean).length + this.lobby.length < minWorkers) {
      if (Date.now() > deadline) throw new Error(`epoch ${at.epoch}: fewer than ${minWorkers} workers, and not enough joined within ${rejoinTimeoutMs} ms`);
      await Promise.race([new Promise<void>((r) => (this.joined = r)), new Promise((r) => setTimeout(r, 1000)), lifecycle.failure]);
    }
    this.slots = [...this.slots.filter(Boolean), ...this.lobby.splice(0)];
    const worldSize = this.slots.length;
    this.steps = this.deps.stepsFor(worldSize);
    if (this.steps < 1) throw new Error(`epoch ${at.epoch}: the training data sharded over ${worldSize} workers holds no full batch per worker`);
    this.deps.log.info({ epoch: at.epoch, step: at.step, worldSize, steps: this.steps, members: this.slots.map((p) => p!.hello.name) }, 'epoch membership');
    const params = encodeMessage(this.deps.params());
    for (const p of this.slots) p!.socket.send(params);
    return at.step + this.steps;
  }

  /** The members still there share the work: each gets its rank and the world size (a train barrier: the steps). */
  announce(barrier: Outgoing<BarrierMessage>): void {
    this.slots = this.slots.filter(Boolean);
    const worldSize = this.slots.length;
    const steps = barrier.action === 'train' ? { steps: this.steps } : {};
    this.slots.forEach((p, rank) => p!.send({ ...barrier, rank, worldSize, ...steps }));
    for (const p of barrier.action === 'stop' ? this.lobby : []) p.send(barrier);
  }

  complete(answered: ReadonlyMap<number, unknown>): boolean {
    return this.trainingStarted ? this.slots.every((p, r) => !p || answered.has(r)) : answered.size === this.deps.worldSize;
  }

  peers(): Peer[] {
    return [...this.slots.filter((p): p is Peer => p !== undefined), ...this.lobby];
  }

  end(): void {}
}
