import type { JobRecord } from './job-record.js';
import type { SlurmCli } from './slurm-cli.js';

/** What one poll saw of a job: its record, null when slurmctld no longer knows it, or 'unreachable' (scontrol failed). */
export type JobSighting = JobRecord | null | 'unreachable';

/**
 * Polls slurmctld for every job the launcher follows with one `scontrol show job -o` per interval (not one command per
 * trial), and hands each job what was seen of it. Polls only while some job is watched, so an idle coordinator has
 * no timer keeping it alive; a poll never overlaps the previous one.
 */
export class JobWatcher {
  private readonly watched = new Map<string, (seen: JobSighting) => Promise<void> | void>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly cli: SlurmCli, private readonly intervalMs: number) {}

  /** Calls `onPoll` after every poll until the returned function is called. */
  watch(jobId: string, onPoll: (seen: JobSighting) => Promise<void> | void): () => void {
    this.watched.set(jobId, onPoll);
    this.schedule();
    return () => {
      if (this.watched.get(jobId) === onPoll) this.watched.delete(jobId);
    };
  }

  private schedule(): void {
    if (this.timer || this.watched.size === 0) return;
    this.timer = setTimeout(() => void this.poll(), this.intervalMs);
  }

  private async poll(): Promise<void> {
    let jobs: Map<string, JobRecord> | null = null;
    try {
      jobs = await this.cli.jobs();
    } catch {
      jobs = null;
    }
    for (const [jobId, onPoll] of [...this.watched]) {
      try {
        await onPoll(jobs ? (jobs.get(jobId) ?? null) : 'unreachable');
      } catch {
        // one job's bookkeeping failing must not stop the others being followed
      }
    }
    this.timer = null;
    this.schedule();
  }
}
