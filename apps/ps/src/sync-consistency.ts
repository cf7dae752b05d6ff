import type { PushMessage, Peer } from '@tensorfleet/protocol';
import { meanInRankOrder } from './aggregate.js';
import type { Consistency, EpochResult } from './consistency.js';
import { addStep } from './epoch-totals.js';
import type { RunContext } from './run-context.js';
import { broadcastParams, paramsMessage } from './run-messages.js';
import { RunStopped } from './run-types.js';
import { acceptCollected, collectPushes, type Collecting } from './step-collector.js';

/** What a sync epoch reads and moves of the run. */
export type SyncRun = Collecting & Pick<
  RunContext,
  'o' | 'log' | 'stepsPerEpoch' | 'step' | 'epoch' | 'updates' | 'states' | 'freeze' | 'optimizer' | 'schedulerClock' |
  'ownedParameters' | 'epochTotals' | 'epochStartedAt' | 'barrier' | 'lastCheckpoint' | 'lifecycle' | 'profile'
>;

/**
 * Sync consistency: the workers train in lockstep. Each step waits for every member's push, applies the mean
 * gradient in rank order once and sends the new parameters to all; one update per step.
 * @example
 * const sync = consistencyRegistry.sync.create({ name: 'sync' }, run, () => checkpointRun(run));
 * const { totals } = await sync.runEpoch(endStep);
 */
export class SyncConsistency implements Consistency {
  readonly name = 'sync';
  readonly text = 'sync';

  /**
   * `checkpoint` writes a checkpoint of the run; `midEpochCheckpoints`: the membership resumes a mid-epoch checkpoint
   * into the same epoch (an elastic run re-forms its epochs on resume, so it checkpoints at epoch ends only).
   */
  constructor(
    private readonly run: SyncRun,
    private readonly checkpoint: () => Promise<void>,
    private readonly midEpochCheckpoints: boolean,
  ) {}

  async runEpoch(endStep: number): Promise<EpochResult> {
    const { run } = this;
    const { o, log, stepsPerEpoch } = run;
    const { job } = o;
    const totals = run.epochTotals; // empty at an epoch start, the epoch's sums so far after a mid-epoch resume
    run.epochStartedAt = performance.now();
    run.membership.announce(run.barrier!);
    while (run.step < endStep) {
      const pushStep = run.step; // the step these pushes are of: the marks of its critical path are keyed by it
      const { pushes, meanGrads: grads, recycle } = await collectPushes(run, pushStep);
      let t = run.profile.now();
      if (pushes.length === 0) {
        log.warn({ step: run.step, epoch: run.epoch }, 'every member of the epoch left; the epoch ends early');
        break;
      }
      // SyncBN: every rank's running statistics come from the same global batch, so rank 0's are everyone's.
      if (run.states.length > 0) {
        const states = job.bn === 'sync' ? pushes[0]!.states.map((t) => new Float32Array(t)) : meanInRankOrder(pushes.map((p) => p.states));
        run.states = run.freeze.keepFrozenStates(run.states, states);
      }
      run.optimizer.step(run.freeze.trainableOf(grads));
      run.updates += 1; // before a mid-epoch checkpoint below stores it
      run.schedulerClock.afterUpdate();
      t = run.profile.lap('optimizer', t);
      run.profile.mark('optimized', pushStep);
      log.debug({ step: run.step, epoch: run.epoch, ranks: run.collectedRanks, samples: pushes.reduce((s, p) => s + p.count, 0) }, 'step applied');
      run.step += 1;
      addStep(totals, pushes);
      if (run.step === endStep) run.epoch += 1;
      // Stop between steps when asked (an epoch's last step first finishes the epoch, validation included).
      const stopping = run.lifecycle.stopRequested && run.step < endStep;
      // Checkpoint before the workers go on, so parameter shards are still at this step when snapshotted.
      const everySteps = o.checkpoint?.everySteps;
      if (this.midEpochCheckpoints && run.step !== endStep && (stopping || (everySteps && run.step % everySteps === 0))) await this.checkpoint();
      if (stopping) throw new RunStopped(run.step, run.lastCheckpoint);
      t = run.profile.now();
      broadcastParams(run);
      run.profile.lap('broadcast', t);
      run.profile.mark('broadcast', pushStep);
      run.profile.stepDone();
      o.onStep?.({
        step: run.step, epoch: run.epoch, stepsPerEpoch, loss: pushes.reduce((sum, p) => sum + p.loss, 0) / pushes.length,
        accuracy: pushes.reduce((sum, p) => sum + p.correct, 0) / Math.max(1, pushes.reduce((sum, p) => sum + p.count, 0)),
      });
      recycle(); // the mean, the states and the totals are copies: no view of the pushes' frames is left
    }
    if (run.step < endStep) run.epoch += 1; // an elastic epoch cut short
    // One update per step: the epoch's updates are its steps, those before a mid-epoch resume included.
    return { totals, updates: totals.steps, staleness: { max: 0, mean: 0 } };
  }

  push(rank: number, peer: Peer, m: PushMessage): void {
    acceptCollected(this.run, rank, peer, m);
  }

  paramsFor(): ReturnType<typeof paramsMessage> {
    return paramsMessage(this.run);
  }

  stalenessOf(): number {
    return 0;
  }
}
