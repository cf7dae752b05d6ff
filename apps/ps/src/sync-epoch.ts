import { meanInRankOrder } from './aggregate.js';
import { checkpointRun } from './run-checkpoint.js';
import type { RunContext } from './run-context.js';
import { addStep, type EpochTotals } from './epoch-totals.js';
import { RunStopped } from './run-types.js';
import { broadcastParams } from './run-messages.js';
import { collectPushes } from './step-collector.js';

/**
 * Sync consistency: trains up to `endStep` in lockstep. Each step waits for every rank's push (elastic: every member
 * still there), applies the mean gradient in rank order once and sends the new parameters to all.
 */
export async function runSyncEpoch(run: RunContext, endStep: number): Promise<EpochTotals> {
  const { o, log, stepsPerEpoch } = run;
  const { job } = o;
  const firstStep = run.step;
  const totals = run.epochTotals; // empty at an epoch start, the epoch's sums so far after a mid-epoch resume
  run.epochStartedAt = performance.now();
  while (run.step < endStep) {
    const { pushes, meanGrads: grads } = await collectPushes(run, run.step);
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
    run.schedulerClock.afterUpdate();
    t = run.profile.lap('optimizer', t);
    if (o.elastic) {
      log.debug({ step: run.step, epoch: run.epoch, ranks: run.collectedRanks, samples: pushes.reduce((s, p) => s + p.count, 0) }, 'step applied');
    }
    run.step += 1;
    addStep(totals, pushes);
    if (run.step === endStep) run.epoch += 1;
    // Stop between steps when asked (an epoch's last step first finishes the epoch, validation included).
    const stopping = run.stopRequested && run.step < endStep;
    // Checkpoint before the workers go on, so parameter shards are still at this step when snapshotted.
    // Elastic epochs are re-formed on resume, so an elastic run checkpoints at epoch ends only (no sample seen twice).
    const everySteps = o.checkpoint?.everySteps;
    if (!o.elastic && run.step !== endStep && (stopping || (everySteps && run.step % everySteps === 0))) await checkpointRun(run);
    if (stopping) throw new RunStopped(run.step, run.lastCheckpoint);
    t = run.profile.now();
    broadcastParams(run);
    run.profile.lap('broadcast', t);
    run.profile.stepDone();
    o.onStep?.({
      step: run.step, epoch: run.epoch, stepsPerEpoch, loss: pushes.reduce((sum, p) => sum + p.loss, 0) / pushes.length,
      accuracy: pushes.reduce((sum, p) => sum + p.correct, 0) / Math.max(1, pushes.reduce((sum, p) => sum + p.count, 0)),
    });
  }
  if (run.step < endStep) run.epoch += 1; // an elastic epoch cut short
  run.epochStats.pushes = (run.step - firstStep) * run.W;
  run.updates += run.step - firstStep;
  return totals;
}
