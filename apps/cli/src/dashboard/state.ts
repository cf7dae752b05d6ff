import type { ChartPayload } from '@tensorfleet/coordinator';

/** One row of the dashboard's worker table. */
export interface WorkerRow {
  rank: number;
  worker: string;
  host: string;
  step: number;
  /** Seconds since the PS last heard from it (heartbeats included); null when unknown. */
  heardAgo: number | null;
  computeMs: number | null;
  lateMs: number | null;
  staleness: number | null;
  straggler: boolean;
}

/** The trial table of a study: headers and one row of cells per trial. */
export interface TrialTable {
  headers: string[];
  rows: { trial: number; state: string; cells: string[] }[];
}

/**
 * What the dashboard page shows at one moment, sent whole over server-sent events whenever it changes: a run's or a
 * study's headline, facts, workers or trials, and its charts (compiled vega specs).
 */
export interface DashboardState {
  kind: 'run' | 'study';
  title: string;
  /** One line: where the run or study is now. */
  status: string;
  /** A run's live global step (from the PS's /metrics; the last epoch's step when it cannot be reached). */
  step: number | null;
  facts: [string, string][];
  workers: WorkerRow[] | null;
  trials: TrialTable | null;
  /** A run's latest warnings and errors from OUT/log.jsonl (newest last), as one line each. */
  alerts: string[];
  charts: ChartPayload[];
}
