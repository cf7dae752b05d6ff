import type { TrainingSummary } from '@tensorfleet/ps';

/** DIR/summary.json: what a finished `tensorfleet train` reports, for people, the HPO coordinator and benchmarks. */
export interface RunSummary {
  testLoss: number | null;
  testAccuracy: number | null;
  testTop5: number | null;
  epochs: number;
  steps: number;
  workers: number;
  wallSeconds: number;
  /** Seconds from the command's start to the end of the first epoch whose validation top-1 reached each target. */
  timeToAccuracy: Record<string, number>;
  /** Training samples per second over all workers, averaged over the epochs' training phases. */
  samplesPerSec: number;
  backend: string;
  /** The newest checkpoint: model.json + weights.bin that stock tfjs loads, normalization.json beside them. */
  modelPath: string | null;
  history: Array<{ epoch: number; loss: number; accuracy: number; valLoss: number | null; valAccuracy: number | null; valTop5: number | null; lr: number; seconds: number; samplesPerSec: number; computeMsPerStep: number; commMsPerStep: number }>;
}

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
