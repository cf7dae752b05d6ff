import { logMessages } from './log-messages.js';

/**
 * The parameter server's end-of-epoch log line (`msg: "epoch"`), flat so `grep`, jq and spreadsheets read it.
 * Non-finite numbers are written as null by JSON; readEpochLine turns them back into NaN.
 */
export interface EpochLine {
  /** 0-based index of the epoch that just ended. */
  epoch: number;
  /** Epochs the run was asked for (so a reader can print "Epoch 3/10"). */
  epochs: number;
  /** Global step after the epoch. */
  step: number;
  /** Steps this epoch ran. */
  steps: number;
  /** Mean training loss over the epoch's steps (regularization included). */
  loss: number;
  /** Fraction of the epoch's training samples predicted right (training mode). */
  accuracy: number;
  valLoss: number | null;
  valAccuracy: number | null;
  valTop5: number | null;
  /** Learning rate used during the epoch. */
  lr: number;
  /** Learning rate after the scheduler stepped (the next epoch's). */
  nextLr: number;
  samplesPerSec: number;
  /** Mean per-step worker compute and communication time, ms. */
  computeMs: number;
  commMs: number;
  /** Wall seconds of the epoch (training and validation). */
  seconds: number;
  /** sync | async | ssp:S */
  consistency: string;
  samples: number;
  updates: number;
  stalenessMax: number;
  stalenessMean: number;
}

/** Every numeric field of an epoch line, in the order metrics.csv writes them. */
export const epochMetricFields = [
  'epoch', 'step', 'steps', 'loss', 'accuracy', 'valLoss', 'valAccuracy', 'valTop5', 'lr', 'nextLr', 'samplesPerSec',
  'computeMs', 'commMs', 'seconds', 'samples', 'updates', 'stalenessMax', 'stalenessMean',
] as const satisfies readonly (keyof EpochLine)[];
export type EpochMetricField = (typeof epochMetricFields)[number];

/** The metrics an HPO objective may name (per-epoch quality, not speed). */
export const objectiveMetricFields = ['loss', 'accuracy', 'valLoss', 'valAccuracy', 'valTop5'] as const satisfies readonly EpochMetricField[];

/**
 * The epoch line a log record holds, or null when it is another line. Numeric fields that are missing stay missing;
 * those present but not numbers (JSON's null for NaN) become NaN.
 *
 * @example
 * const e = readEpochLine(JSON.parse(line));
 * if (e) console.log(e.epoch + 1, e.valAccuracy);
 */
export function readEpochLine(record: Record<string, unknown>): (Partial<EpochLine> & { epoch: number }) | null {
  if (record.msg !== logMessages.epoch || typeof record.epoch !== 'number') return null;
  const line: Record<string, unknown> = { epoch: record.epoch };
  for (const field of epochMetricFields) {
    if (!(field in record)) continue;
    const v = record[field];
    line[field] = typeof v === 'number' ? v : Number.NaN;
  }
  if (typeof record.epochs === 'number') line.epochs = record.epochs;
  if (typeof record.consistency === 'string') line.consistency = record.consistency;
  return line as Partial<EpochLine> & { epoch: number };
}

/** The numeric metrics of an epoch line without `epoch` itself: what the coordinator records per trial epoch. */
export function epochMetrics(line: Partial<EpochLine>): Record<string, number> {
  const metrics: Record<string, number> = {};
  for (const field of epochMetricFields) {
    const v = line[field];
    if (field !== 'epoch' && v !== undefined) metrics[field] = v ?? Number.NaN;
  }
  return metrics;
}
