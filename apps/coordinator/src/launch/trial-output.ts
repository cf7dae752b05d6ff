import { closeSync, existsSync, openSync, writeSync } from 'node:fs';
import { runFiles } from '@tensorfleet/protocol';
import { readTrialLine } from './log-lines.js';
import type { TrialExit, TrialHandlers, TrialJob } from './types.js';

/**
 * What a launcher does with the lines a trial's job printed, wherever they come from (a child's pipes, a Slurm output
 * file): appends each to the trial's log tagged with `study` and `trial`, reports epoch lines as they arrive (until the
 * trial is being stopped), and keeps what the exit needs: the epoch a diverged line named, the last stdout line (the
 * summary.json path) and the tail of stderr.
 *
 * @example
 * const output = new TrialOutput(job, handlers);
 * output.line('stdout', '{"msg":"epoch","epoch":0,"valAccuracy":0.9}'); // handlers.onEpoch({ epoch: 0, metrics: {...} })
 * const exit = await output.exit({ code: 0, signal: null });
 */
export class TrialOutput {
  /** The trial's log, written synchronously: a line is in the file before the epoch it reports is recorded, so a coordinator killed at any moment loses none (and an adopting one does not skip any). */
  private readonly log: { write(chunk: string): void };
  private readonly fd: number;
  private closed = false;
  private readonly tags: { study: string; trial: number };
  private readonly stderrTail: string[] = [];
  private divergedEpoch: number | null = null;
  private lastLine = '';
  /** Set when the trial is being stopped: its last epochs are not reported (the coordinator already decided). */
  stopping = false;

  constructor(job: TrialJob, private readonly handlers: TrialHandlers) {
    this.fd = openSync(job.logPath, 'a');
    this.log = { write: (chunk) => void (this.closed || writeSync(this.fd, chunk)) };
    this.tags = { study: job.study, trial: job.trial };
  }

  line(stream: 'stdout' | 'stderr', text: string): void {
    const seen = readTrialLine(text, stream, this.tags, this.log);
    if (!seen) return;
    if (stream === 'stderr') {
      this.stderrTail.push(text);
      if (this.stderrTail.length > 20) this.stderrTail.shift();
      return;
    }
    this.lastLine = text.trim();
    if (seen.divergedEpoch !== null) this.divergedEpoch = seen.divergedEpoch;
    if (seen.epoch && !this.stopping) this.handlers.onEpoch(seen.epoch);
  }

  /** Closes the log and describes the exit (after the job's last line was handed to line()). */
  async exit(exit: Pick<TrialExit, 'code' | 'signal' | 'startError' | 'cause'>): Promise<TrialExit> {
    if (!this.closed) closeSync(this.fd);
    this.closed = true;
    const summaryPath = this.lastLine.endsWith(runFiles.summary) && existsSync(this.lastLine) ? this.lastLine : null;
    return {
      code: exit.code, signal: exit.signal, divergedEpoch: this.divergedEpoch, summaryPath, stderrTail: this.stderrTail.join('\n'),
      ...(exit.startError ? { startError: exit.startError } : {}), ...(exit.cause ? { cause: exit.cause } : {}),
    };
  }
}
