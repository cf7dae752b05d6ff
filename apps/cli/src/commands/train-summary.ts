import type { RunSummary } from '@tensorfleet/protocol';
import type { TrainingSummary } from '@tensorfleet/ps';

export type { RunSummary };

/**
 * Builds the run summary from the parameter server's result. `epochEndTimes[e]` is the wall second (since the command
 * started) at which epoch e's last step was applied.
 */
export function summarizeRun(
  result: TrainingSummary,
  { backend, wallSeconds, epochEndTimes, targets }: { backend: string; wallSeconds: number; epochEndTimes: number[]; targets: number[] },
): RunSummary {
  const timeToAccuracy: Record<string, number> = {};
  for (const target of targets) {
    const first = result.epochs.find((e) => e.val !== null && e.val.top1 >= target);
    const at = first ? epochEndTimes[first.epoch] : undefined;
    if (first && at !== undefined) timeToAccuracy[String(target)] = Number(at.toFixed(2));
  }
  const trainSeconds = result.epochs.reduce((s, e) => s + e.seconds, 0);
  const samples = result.epochs.reduce((s, e) => s + e.samplesPerSec * e.seconds, 0);
  return {
    run: result.runId,
    testLoss: result.test?.loss ?? null,
    testAccuracy: result.test?.top1 ?? null,
    testTop5: result.test?.top5 ?? null,
    epochs: result.epochs.length,
    steps: result.steps,
    workers: result.worldSize,
    wallSeconds: Number(wallSeconds.toFixed(2)),
    timeToAccuracy,
    samplesPerSec: trainSeconds > 0 ? Math.round(samples / trainSeconds) : 0,
    backend,
    modelPath: result.checkpoint,
    history: result.epochs.map((e) => ({
      epoch: e.epoch, loss: e.trainLoss, accuracy: e.trainAccuracy, valLoss: e.val?.loss ?? null, valAccuracy: e.val?.top1 ?? null,
      valTop5: e.val?.top5 ?? null, lr: e.lr, seconds: e.seconds, samplesPerSec: e.samplesPerSec,
      computeMsPerStep: e.computeMsPerStep, commMsPerStep: e.commMsPerStep,
    })),
  };
}
