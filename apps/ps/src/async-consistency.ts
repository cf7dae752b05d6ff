import { ProtocolError, type Outgoing, type Peer, type PushMessage, type ServerMessage } from '@tensorfleet/protocol';
import { meanInRankOrder } from './aggregate.js';
import type { Consistency, EpochResult } from './consistency.js';
import type { EpochTotals } from './epoch-totals.js';
import type { RunContext } from './run-context.js';
import { paramsMessage } from './run-messages.js';
import { RunStopped } from './run-types.js';
import { StalenessGate } from './staleness-gate.js';

/** What an async epoch reads and moves of the run. */
export type AsyncRun = Pick<
  RunContext,
  'o' | 'log' | 'W' | 'stepsPerEpoch' | 'step' | 'epoch' | 'updates' | 'states' | 'freeze' | 'optimizer' | 'schedulerClock' |
  'ownedParameters' | 'barrier' | 'lastCheckpoint' | 'checkpointCommits' | 'lifecycle' | 'membership'
>;

/** The epoch's sums of what the workers pushed, per push, and the staleness of the applied gradients. */
interface PushSums {
  loss: number;
  computeMs: number;
  commMs: number;
  samples: number;
  correct: number;
  pushes: number;
  staleMax: number;
  staleSum: number;
}

const noPushes = (): PushSums => ({ loss: 0, computeMs: 0, commMs: 0, samples: 0, correct: 0, pushes: 0, staleMax: 0, staleSum: 0 });

/**
 * Async and SSP consistency: each gradient is applied on arrival and the pushing worker alone gets the fresh
 * parameters, as soon as it is at most `bound` steps ahead of the slowest worker (async: bound ∞). W updates per step.
 * @example
 * const ssp = consistencyRegistry.ssp.create({ name: 'ssp', bound: 2 }, run, checkpoint);
 * const { updates, staleness } = await ssp.runEpoch(endStep);
 */
export class AsyncConsistency implements Consistency {
  readonly name: 'async' | 'ssp';
  private gate: StalenessGate | null = null;
  private epochDone: () => void = () => {};
  /** versionSent[r] = the run's updates when rank r last got parameters. */
  private readonly versionSent: number[];
  private readonly latestStates: (Float32Array[] | undefined)[];
  private sums = noPushes();

  constructor(
    private readonly run: AsyncRun,
    readonly text: string,
    private readonly bound: number,
  ) {
    this.name = Number.isFinite(bound) ? 'ssp' : 'async';
    this.versionSent = new Array(run.W).fill(0);
    this.latestStates = new Array(run.W).fill(undefined);
  }

  /** Trains up to `endStep`; resolves when every worker has pushed the epoch's last step. */
  async runEpoch(endStep: number): Promise<EpochResult> {
    const { run } = this;
    const firstStep = run.step;
    const firstUpdate = run.updates;
    this.sums = noPushes();
    const gate = (this.gate = new StalenessGate(run.W, run.step, endStep, this.bound));
    const finishedEpoch = new Promise<void>((r) => (this.epochDone = r));
    run.membership.slots.forEach((p, r) => p?.send(this.paramsFor(r))); // every worker starts the epoch from the newest parameters
    run.membership.announce(run.barrier!);
    await Promise.race([finishedEpoch, run.lifecycle.failure, run.lifecycle.stopRequest]);
    // A stopped async run keeps its newest epoch-end checkpoint: mid-epoch, the workers' clocks differ, and resuming
    // them all at the slowest one would apply the faster ones' steps twice.
    if (run.lifecycle.stopRequested && !gate.done) {
      await run.checkpointCommits.settled(); // the epoch-end checkpoint still being written is the one to resume from
      throw new RunStopped(run.step, run.lastCheckpoint);
    }
    const s = this.sums;
    const steps = run.step - firstStep;
    const totals: EpochTotals = {
      steps,
      priorSeconds: 0, // async epochs checkpoint at their end only
      lossSum: (s.loss / s.pushes) * steps, // per-push mean, scaled as the sync path's per-step sum
      computeMs: (s.computeMs / s.pushes) * steps,
      commMs: (s.commMs / s.pushes) * steps,
      samples: s.samples,
      correct: s.correct,
    };
    this.gate = null;
    run.epoch = run.step / run.stepsPerEpoch;
    return { totals, updates: run.updates - firstUpdate, staleness: { max: s.staleMax, mean: s.staleSum / Math.max(1, s.pushes) } };
  }

  /** Applies one worker's gradient now, then lets go whoever the staleness bound allows. */
  push(rank: number, peer: Peer, m: PushMessage): void {
    const { run, gate, sums } = this;
    const { stepsPerEpoch } = run;
    if (run.lifecycle.stopRequested) return; // stopping: nothing more is applied
    const clock = gate?.clocks[rank];
    if (clock !== undefined && m.step < clock) return; // a re-push after a reconnect, already applied
    if (!gate || m.step !== clock || clock >= gate.end) {
      const want = gate ? `step ${clock} (epoch ends at ${gate.end})` : 'no push (between epochs)';
      peer.fail(new ProtocolError('unexpected-message', `got push of step ${m.step} from rank ${rank}, the server expects ${want}`));
      return;
    }
    run.membership.atWork(rank);
    const staleness = this.stalenessOf(rank);
    run.optimizer.step(run.freeze.trainableOf(m.grads));
    run.schedulerClock.afterUpdate();
    run.updates += 1;
    if (m.states.length) {
      this.latestStates[rank] = m.states.map((t) => new Float32Array(t));
      run.states = run.freeze.keepFrozenStates(run.states, meanInRankOrder(this.latestStates.filter((x): x is Float32Array[] => x !== undefined)));
    }
    peer.recycleFrame(m.grads); // applied, the states copied: its frame's buffer may take the next push
    const before = gate.minClock;
    gate.pushed(rank);
    Object.assign(sums, {
      loss: sums.loss + m.loss, computeMs: sums.computeMs + m.computeMs, commMs: sums.commMs + m.commMs,
      samples: sums.samples + m.count, correct: sums.correct + m.correct, pushes: sums.pushes + 1,
      staleMax: Math.max(sums.staleMax, staleness), staleSum: sums.staleSum + staleness,
    });
    run.log.debug({ rank, step: m.step, update: run.updates, staleness, minStep: gate.minClock, loss: m.loss }, 'gradient applied');
    run.step = gate.minClock;
    if (gate.minClock > before) {
      if (run.step % stepsPerEpoch === 0) run.epoch = run.step / stepsPerEpoch;
      run.o.onStep?.({ step: run.step, epoch: run.epoch, stepsPerEpoch, loss: m.loss, accuracy: m.correct / Math.max(1, m.count) });
    }
    for (const r of gate.release()) run.membership.slots[r]?.send(this.paramsFor(r));
    if (gate.done) this.epochDone();
  }

  /** Parameters for one rank: its `step` is that worker's own clock (the next step it computes). */
  paramsFor(rank: number): Outgoing<ServerMessage> {
    this.versionSent[rank] = this.run.updates;
    const message = paramsMessage(this.run);
    return this.gate ? ({ ...message, step: this.gate.clocks[rank]! } as Outgoing<ServerMessage>) : message;
  }

  stalenessOf(rank: number): number {
    return this.run.updates - (this.versionSent[rank] ?? this.run.updates);
  }
}
