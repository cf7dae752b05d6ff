import type { EpochLine } from '@tensorfleet/protocol';
import type { WorkerEpochTimes, WorkerStatus } from '@tensorfleet/ps';

/**
 * Everything a run's report shows, as OUT/report.json: the report.html of the same moment is drawn from it, and the
 * dashboard reads it (with the live /metrics) to draw the same charts.
 */
export interface RunReportData {
  runId: string;
  /** The resolved train config (every default filled in). */
  config: Record<string, unknown>;
  environment: {
    backend: string;
    workers: number;
    /** The hosts the workers connected from. */
    hosts: string[];
    consistency: string;
    psUrl: string;
    /** The PS's Prometheus endpoint while the run goes on, or null when --metrics-port 0. */
    metricsUrl: string | null;
    node: string;
    platform: string;
    /** Date.now() at the start. */
    startedAt: number;
  };
  /** The epoch lines so far, in order. */
  epochs: EpochLine[];
  /** Each worker's mean compute and communication ms per step, per epoch. */
  workerEpochs: WorkerEpochTimes[];
  /** The workers as the PS last saw them. */
  workers: WorkerStatus[];
  /** Test split results, once the run is over. */
  test: { loss: number; top1: number; top5: number } | null;
  state: 'running' | 'finished' | 'failed';
  /** Date.now() when this was written. */
  updatedAt: number;
}
