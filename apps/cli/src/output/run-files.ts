import { closeSync, fstatSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { metricsCsvHeader, metricsCsvRow, readEpochLine, runFiles } from '@tensorfleet/protocol';

/**
 * A run folder's log files: OUT/log.jsonl gets every log line of the run (every role and rank, as they reach the
 * CLI), OUT/metrics.csv one row per epoch line. A fresh run starts both over; `--resume` appends to them.
 *
 * @example
 * const files = new RunLogFiles('runs/latest', { append: false });
 * files.write('{"level":30,"msg":"epoch","epoch":0,...}', record);
 * files.close();
 */
export class RunLogFiles {
  readonly logPath: string;
  readonly metricsPath: string;
  private readonly log: number;
  private readonly metrics: number;

  constructor(out: string, { append }: { append: boolean }) {
    mkdirSync(out, { recursive: true });
    this.logPath = join(out, runFiles.log);
    this.metricsPath = join(out, runFiles.metrics);
    const flags = append ? 'a' : 'w';
    this.log = openSync(this.logPath, flags);
    this.metrics = openSync(this.metricsPath, flags);
    if (fstatSync(this.metrics).size === 0) writeSync(this.metrics, metricsCsvHeader());
  }

  /** Appends one log line (without its newline); `record` is the line parsed, or null when it is not JSON. */
  write(line: string, record: Record<string, unknown> | null): void {
    writeSync(this.log, `${line}\n`);
    const epoch = record ? readEpochLine(record) : null;
    if (epoch) writeSync(this.metrics, metricsCsvRow(epoch));
  }

  close(): void {
    closeSync(this.log);
    closeSync(this.metrics);
  }
}
