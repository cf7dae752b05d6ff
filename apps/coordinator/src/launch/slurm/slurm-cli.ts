import { execFile, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { parseJobRecord, type JobRecord } from './job-record.js';

const run = promisify(execFile);
const timeout = 30_000;

/** A Slurm command failed (slurmctld unreachable, a refused submission): the message is Slurm's own. */
export class SlurmCommandError extends Error {
  override name = 'SlurmCommandError';
}

function errorText(err: unknown): string {
  const e = err as { stderr?: string | Buffer; message: string };
  const stderr = e.stderr?.toString().trim();
  return stderr || e.message;
}

/**
 * The Slurm commands the launcher runs: sbatch, scancel, `scontrol show job -o` and the jobcomp/filetxt file (there
 * is no slurmdbd, so no sacct: a job that left slurmctld's memory, MinJobAge after it ended, is looked up in the
 * file). They find their cluster as a user's would (SLURM_CONF, or /etc/slurm).
 */
export class SlurmCli {
  private jobCompPath: string | null | undefined;

  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

  /** Submits a batch script; returns the job id (`sbatch --parsable`: `ID` or `ID;cluster`). */
  submit(scriptPath: string, cwd: string): string {
    try {
      const out = execFileSync('sbatch', ['--parsable', scriptPath], { cwd, env: this.env, encoding: 'utf8', timeout, stdio: ['ignore', 'pipe', 'pipe'] });
      const id = out.trim().split(';')[0] ?? '';
      if (!/^\d+$/.test(id)) throw new SlurmCommandError(`sbatch printed no job id: ${out.trim()}`);
      return id;
    } catch (err) {
      if (err instanceof SlurmCommandError) throw err;
      throw new SlurmCommandError(`sbatch ${scriptPath}: ${errorText(err)}`);
    }
  }

  /** Cancels a job (every process of it gets SIGTERM, then SIGKILL after KillWait); a job that already ended is fine. */
  async cancel(jobId: string): Promise<void> {
    try {
      await run('scancel', [jobId], { env: this.env, timeout });
    } catch (err) {
      if (!/Invalid job id|already completing or completed/i.test(errorText(err))) throw new SlurmCommandError(`scancel ${jobId}: ${errorText(err)}`);
    }
  }

  /** Every job slurmctld knows, by id (one `scontrol show job -o` for all of them, however many trials poll). */
  async jobs(): Promise<Map<string, JobRecord>> {
    let out: string;
    try {
      ({ stdout: out } = await run('scontrol', ['show', 'job', '-o'], { env: this.env, timeout, maxBuffer: 64 * 1024 * 1024 }));
    } catch (err) {
      throw new SlurmCommandError(`scontrol show job: ${errorText(err)}`);
    }
    const jobs = new Map<string, JobRecord>();
    for (const line of out.split('\n')) {
      const record = parseJobRecord(line);
      if (record) jobs.set(record.jobId, record);
    }
    return jobs;
  }

  /** The job's last record in the jobcomp/filetxt file (one per run of the job: a requeued job has several), or null. */
  async finished(jobId: string): Promise<JobRecord | null> {
    const path = await this.jobCompFile();
    if (!path) return null;
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      return null;
    }
    let last: JobRecord | null = null;
    for (const line of text.split('\n')) {
      if (!line.startsWith(`JobId=${jobId} `)) continue;
      last = parseJobRecord(line) ?? last;
    }
    return last;
  }

  /** JobCompLoc when JobCompType is jobcomp/filetxt (asked of slurmctld once), else null. */
  private async jobCompFile(): Promise<string | null> {
    if (this.jobCompPath !== undefined) return this.jobCompPath;
    try {
      const { stdout } = await run('scontrol', ['show', 'config'], { env: this.env, timeout });
      const value = (key: string) => new RegExp(`^${key}\\s*=\\s*(.*)$`, 'm').exec(stdout)?.[1]?.trim() ?? '';
      this.jobCompPath = value('JobCompType') === 'jobcomp/filetxt' && value('JobCompLoc') ? value('JobCompLoc') : null;
    } catch {
      return null; // ask again next time
    }
    return this.jobCompPath;
  }
}
