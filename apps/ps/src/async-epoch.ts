import { ProtocolError, type Peer, type PushMessage } from '@tensorfleet/protocol';
import { meanInRankOrder } from './aggregate.js';
import { StalenessGate } from './consistency.js';
import type { RunContext } from './run-context.js';
import type { EpochTotals } from './epoch-totals.js';
import { broadcast, paramsFor } from './run-messages.js';
import { RunStopped } from './run-types.js';

/**
 * Async/SSP consistency: trains up to `endStep` with every gradient applied on arrival ({@link applyOnArrival});
 * resolves when every worker has pushed the epoch's last step. The sums are scaled to the sync path's per-step form.
 */
export async function runAsyncEpoch(run: RunContext, endStep: number): Promise<EpochTotals> {
  const { o, W } = run;
  const firstStep = run.step;
  run.gate = new StalenessGate(W, run.step, endStep, o.consistency.kind === 'ssp' ? o.consistency.bound : Infinity);
  const finishedEpoch = new Promise<void>((r) => (run.epochDone = r));
  for (let r = 0; r < W; r++) run.slots[r]?.send(paramsFor(run, r)); // every worker starts the epoch from the newest parameters
  broadcast(run, run.barrier!);
  await Promise.race([finishedEpoch, run.failure, run.stopRequest]);
  // A stopped async run keeps its newest epoch-end checkpoint: mid-epoch, the workers' clocks differ, and resuming
  // them all at the slowest one would apply the faster ones' steps twice.
  if (run.stopRequested && !run.gate!.done) throw new RunStopped(run.step, run.lastCheckpoint);
  const { epochStats } = run;
  const steps = run.step - firstStep;
  const totals: EpochTotals = {
    steps,
    priorSeconds: 0, // async epochs checkpoint at their end only
    lossSum: (epochStats.loss / epochStats.pushes) * steps, // per-push mean, scaled as the sync path's per-step sum
    computeMs: (epochStats.computeMs / epochStats.pushes) * steps,
    commMs: (epochStats.commMs / epochStats.pushes) * steps,
    samples: epochStats.samples,
    correct: epochStats.correct,
  };
  run.gate = null;
  run.epoch = run.step / run.stepsPerEpoch;
  return totals;
}

/** async/ssp: applies one worker's gradient now, then lets go whoever the staleness bound allows. */
export function applyOnArrival(run: RunContext, rank: number, peer: Peer, m: PushMessage): void {
  const { gate, epochStats, stepsPerEpoch } = run;
  if (run.stopRequested) return; // stopping: nothing more is applied
  const clock = gate?.clocks[rank];
  if (clock !== undefined && m.step < clock) return; // a re-push after a reconnect, already applied
  if (!gate || m.step !== clock || clock >= gate.end) {
    const want = gate ? `step ${clock} (epoch ends at ${gate.end})` : 'no push (between epochs)';
    peer.fail(new ProtocolError('unexpected-message', `got push of step ${m.step} from rank ${rank}, the server expects ${want}`));
    return;
  }
  const staleness = run.updates - run.versionSent[rank]!;
  run.optimizer.step(run.freeze.trainableOf(m.grads));
  run.schedulerClock.afterUpdate();
  run.updates += 1;
  if (m.states.length) {
    run.latestStates[rank] = m.states.map((t) => new Float32Array(t));
    run.states = run.freeze.keepFrozenStates(run.states, meanInRankOrder(run.latestStates.filter((x): x is Float32Array[] => x !== undefined)));
  }
  const before = gate.minClock;
  gate.pushed(rank);
  Object.assign(epochStats, {
    loss: epochStats.loss + m.loss, computeMs: epochStats.computeMs + m.computeMs, commMs: epochStats.commMs + m.commMs,
    samples: epochStats.samples + m.count, correct: epochStats.correct + m.correct, pushes: epochStats.pushes + 1,
    staleMax: Math.max(epochStats.staleMax, staleness), staleSum: epochStats.staleSum + staleness,
  });
  run.log.debug({ rank, step: m.step, update: run.updates, staleness, minStep: gate.minClock, loss: m.loss }, 'gradient applied');
  run.step = gate.minClock;
  if (gate.minClock > before) {
    if (run.step % stepsPerEpoch === 0) run.epoch = run.step / stepsPerEpoch;
    run.o.onStep?.({ step: run.step, epoch: run.epoch, stepsPerEpoch, loss: m.loss, accuracy: m.correct / Math.max(1, m.count) });
  }
  for (const r of gate.release()) run.slots[r]?.send(paramsFor(run, r));
  if (gate.done) run.epochDone?.();
}
