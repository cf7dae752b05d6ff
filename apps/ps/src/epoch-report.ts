import { logMessages, type EpochLine, type MetricsMessage } from '@tensorfleet/protocol';
import { combineMetrics, type CombinedMetrics } from './aggregate.js';
import type { EpochResult } from './consistency.js';
import { emptyEpochTotals } from './epoch-totals.js';
import type { RunContext } from './run-context.js';
import type { EpochSummary } from './run-types.js';
import { collect, settleWaiter, type Collecting } from './step-collector.js';

/** Where an epoch started: what its summary is measured against. */
export interface EpochStart {
  /** performance.now() at the epoch start. */
  t0: number;
  /** Learning rate used during the epoch. */
  lr: number;
}

/** What evaluating reads of the run. */
export type EvaluationRun = Collecting & Pick<RunContext, 'barrier' | 'epoch'>;

/** Has every member evaluate its shard of `split` and combines their metrics, weighted by counts. */
export async function evaluate(run: EvaluationRun, split: 'val' | 'test'): Promise<CombinedMetrics> {
  const pending = collect<MetricsMessage>(run, 'metrics', run.step, split);
  run.barrier = { type: 'barrier', step: run.step, epoch: run.epoch, action: split === 'val' ? 'validate' : 'test' };
  run.membership.announce(run.barrier); // elastic: the members still there share the split
  settleWaiter(run); // no member left: nothing to wait for
  return combineMetrics(await pending);
}

/** What ending an epoch reads and moves of the run. */
export type EpochEndRun = EvaluationRun & Pick<RunContext, 'o' | 'data' | 'optimizer' | 'epochTotals' | 'schedulerClock' | 'history' | 'log'>;

/**
 * Ends a trained epoch: validates, steps the scheduler, records the epoch in the history and logs its line. The
 * line averages `totals` over all the epoch's steps, those before a mid-epoch resume included.
 */
export async function finishEpoch(run: EpochEndRun, start: EpochStart, result: EpochResult, consistency: string): Promise<void> {
  const { o, data, optimizer } = run;
  const { totals } = result;
  const { steps, lossSum, computeMs, commMs, samples, correct } = totals;
  const { lr } = start;
  run.epochTotals = emptyEpochTotals(); // the next epoch starts from nothing
  const val = o.job.evaluateVal === false || !data.val ? null : await evaluate(run, 'val');
  const trainLoss = lossSum / Math.max(1, steps);
  run.schedulerClock.atEpochEnd(val ? val.loss : trainLoss);
  const seconds = totals.priorSeconds + (performance.now() - start.t0) / 1000;
  const summary: EpochSummary = {
    epoch: run.epoch - 1, steps, trainLoss, trainAccuracy: samples ? correct / samples : 0, val, lr, seconds, samplesPerSec: samples / seconds,
    computeMsPerStep: computeMs / Math.max(1, steps), commMsPerStep: commMs / Math.max(1, steps),
    updates: result.updates,
    staleness: result.staleness,
  };
  run.history.push(summary);
  // Flat fields, one line per epoch (the run-report contract): what `tensorfleet logs`, the HPO coordinator, the
  // terminal and metrics.csv read.
  const line: EpochLine = {
    epoch: summary.epoch, epochs: o.job.epochs, step: run.step, steps, loss: trainLoss, accuracy: summary.trainAccuracy,
    valLoss: val?.loss ?? null, valAccuracy: val?.top1 ?? null, valTop5: val?.top5 ?? null, lr, nextLr: optimizer.lr,
    samplesPerSec: summary.samplesPerSec, computeMs: summary.computeMsPerStep, commMs: summary.commMsPerStep, seconds,
    consistency, samples, updates: summary.updates, stalenessMax: summary.staleness.max,
    stalenessMean: summary.staleness.mean,
  };
  run.log.info(line, logMessages.epoch);
  o.onEpoch?.(line);
}
