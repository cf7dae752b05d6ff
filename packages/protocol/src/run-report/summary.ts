import type { EpochLine } from './epoch-line.js';

/** One epoch of summary.json's history: the epoch line's quality and speed numbers. */
export type RunHistoryEntry = Pick<EpochLine, 'epoch' | 'loss' | 'accuracy' | 'valLoss' | 'valAccuracy' | 'valTop5' | 'lr' | 'seconds' | 'samplesPerSec'> & {
  computeMsPerStep: number;
  commMsPerStep: number;
};

/**
 * OUT/summary.json: what a finished `tensorfleet train` reports, for people, the HPO coordinator, the dashboard and
 * benchmarks.
 */
export interface RunSummary {
  /** The run id every log line of the run carries as `run`. */
  run: string;
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
  history: RunHistoryEntry[];
}
