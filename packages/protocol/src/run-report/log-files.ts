/**
 * The files of a run folder (`tensorfleet train --out OUT`). Readers (`tensorfleet logs`, the dashboard, the HPO
 * coordinator) find them by these names only.
 *
 * @example
 * readFileSync(join(out, runFiles.log), 'utf8').split('\n'); // every role's pino JSON lines
 */
export const runFiles = {
  /** Every log line of the run, all roles and ranks, pino JSON, one object per line. */
  log: 'log.jsonl',
  /** One row per finished epoch: metricsCsvColumns. */
  metrics: 'metrics.csv',
  /** The run's RunSummary, written once at the end (its path is the command's last stdout line). */
  summary: 'summary.json',
  /** A self-contained HTML report of the run, refreshed at every epoch end. */
  report: 'report.html',
  /** What report.html is drawn from (config, environment, epochs, per-worker times, the /metrics URL): the dashboard reads it. */
  reportData: 'report.json',
  /** The run's resolved train config (defaults filled, paths absolute): `--resume` compares the new config with it. */
  config: 'config.json',
  /** Checkpoint folders and latest.json. */
  checkpoints: 'checkpoints',
} as const;
export type RunFile = keyof typeof runFiles;
