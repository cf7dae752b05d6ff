import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ClusterPool, type ResourcePool } from '../../resources/pool.js';
import { studyLayout } from '../../study/layout.js';
import { installRoot } from '@tensorfleet/launch';
import { defaultTrialCommand, fillCommand } from '../trial-launcher.js';
import { TrialOutput } from '../trial-output.js';
import type { JobHandle, Launcher, RunningTrial, TrialExit, TrialHandlers, TrialJob } from '../types.js';
import { batchScript, slurmFiles, type SlurmJobOptions } from './batch-script.js';
import { jobPhase, type JobRecord } from './job-record.js';
import { JobWatcher, type JobSighting } from './job-watcher.js';
import { OutputFiles } from './output-files.js';
import { SlurmCli } from './slurm-cli.js';

export interface SlurmLauncherOptions extends Partial<SlurmJobOptions> {
  /** argv template; placeholders {config} {dir} {trial} {study} {repo}. Default: tensorfleet train. */
  command?: readonly string[];
  /** Appended when a job resumes from its checkpoint. */
  resumeArgs?: readonly string[];
  /** Exported in the batch script (the job also inherits the submitting environment: sbatch's --export=ALL). */
  env?: Record<string, string>;
  /** How often slurmctld is asked about the jobs and their output files are read. */
  pollMs?: number;
  /** The environment Slurm's commands run in (SLURM_CONF finds the cluster). */
  slurmEnv?: NodeJS.ProcessEnv;
}

/** Polls a job may be missing from both slurmctld and the jobcomp file before it counts as gone. */
const missingPolls = 5;

/**
 * Runs each trial as a Slurm batch job: `sbatch` of a script written to the trial folder (`--gres=gpu:N` for all its
 * workers on one node, partition/time/account from the study spec, output appended to slurm.out/slurm.err so a
 * requeued run adds to them, `--requeue`, `--signal=B:USR1@N`). The cluster places trials and hands out GPUs: Slurm's
 * GRES never lets more trials run than there are GPUs, and each job sees its own CUDA_VISIBLE_DEVICES. The output
 * files are followed as the local launcher reads a child's stdout (epoch lines reported, every line tagged into
 * trial.log); `scancel` stops a trial; the handle is the job id, so a coordinator started after one that died adopts
 * the jobs still queued or running (or already ended) instead of submitting them again. Job states come from
 * `scontrol show job -o` and, once slurmctld has forgotten a job, from the jobcomp/filetxt file (no slurmdbd needed).
 *
 * @example
 * const launcher = new SlurmLauncher({ partition: 'gpu', time: '02:00:00' });
 * await runStudy({ spec, storage: 'studies.sqlite', launcher });
 */
export class SlurmLauncher implements Launcher {
  readonly name = 'slurm';
  private readonly cli: SlurmCli;
  private readonly watcher: JobWatcher;
  private readonly jobOptions: SlurmJobOptions;

  constructor(private readonly options: SlurmLauncherOptions = {}) {
    this.cli = new SlurmCli(options.slurmEnv ?? process.env);
    this.watcher = new JobWatcher(this.cli, options.pollMs ?? 1000);
    this.jobOptions = {
      partition: options.partition, time: options.time, account: options.account,
      signalSeconds: options.signalSeconds ?? 120, sbatchArgs: options.sbatchArgs ?? [],
    };
  }

  resourcePool(): ResourcePool {
    return new ClusterPool(this.name);
  }

  start(job: TrialJob, handlers: TrialHandlers): RunningTrial {
    const files = trialFiles(job.dir);
    mkdirSync(job.dir, { recursive: true });
    writeFileSync(files.script, batchScript({
      job, options: this.jobOptions, argv: fillCommand(this.options.command ?? defaultTrialCommand, job), resumeArgs: this.options.resumeArgs ?? ['--resume'],
      env: this.options.env ?? {}, cwd: installRoot, stdoutPath: files.stdout, stderrPath: files.stderr, checkpointsDir: studyLayout.checkpoints(job.dir),
    }), { mode: 0o755 });
    const output = new TrialOutput(job, handlers);
    let jobId: string;
    try {
      jobId = this.cli.submit(files.script, job.dir);
    } catch (err) {
      const exited = output.exit({ code: null, signal: null, startError: (err as Error).message });
      return { handle: {}, stop: async () => void (await exited), exited };
    }
    handlers.onStatus?.({ state: 'SUBMITTED', detail: `Slurm job ${jobId} submitted` });
    return this.follow(jobId, job, output, handlers, false);
  }

  async adopt(handle: JobHandle, job: TrialJob, handlers: TrialHandlers): Promise<RunningTrial | null> {
    const jobId = typeof handle.slurmJobId === 'string' ? handle.slurmJobId : null;
    if (!jobId) return null;
    const known = (await this.cli.jobs().catch(() => new Map<string, JobRecord>())).get(jobId) ?? (await this.cli.finished(jobId));
    if (!known) return null;
    handlers.onStatus?.({ state: known.state, detail: `adopted Slurm job ${jobId} (${known.state})` });
    return this.follow(jobId, job, new TrialOutput(job, handlers), handlers, true);
  }

  async reap(handle: JobHandle): Promise<void> {
    if (typeof handle.slurmJobId === 'string') await this.cli.cancel(handle.slurmJobId);
  }

  /** Follows a submitted job to its end: output lines, state changes, the exit. */
  private follow(jobId: string, job: TrialJob, output: TrialOutput, handlers: TrialHandlers, adopted: boolean): RunningTrial {
    const files = trialFiles(job.dir);
    // A new submission reads from where the files end now (an earlier attempt's lines are in trial.log already); an
    // adopted job from where the coordinator that died stopped reading.
    const outputFiles = new OutputFiles({ stdout: files.stdout, stderr: files.stderr }, files.offsets, adopted ? 'saved' : 'end');
    let last: JobRecord | null = null;
    let endedPolls = 0;
    let missing = 0;
    let unreachable = false;
    let finish!: (exit: TrialExit) => void;
    const exited = new Promise<TrialExit>((resolve) => (finish = resolve));
    const readLines = (final = false) => outputFiles.read((stream, text) => output.line(stream, text), final);

    const end = async (record: JobRecord | null, startError?: string) => {
      unwatch();
      readLines(true);
      const completed = record?.state === 'COMPLETED';
      const code = record?.exitCode ?? null;
      const cause = record && !completed ? `Slurm job ${jobId} ${record.state}${record.node ? ` on ${record.node}` : ''}` : undefined;
      // Only a COMPLETED job succeeded: a cancelled one may still say ExitCode=0:15.
      finish(await output.exit({ code: completed ? code : code === 0 ? null : code, signal: record?.signal ?? null, ...(startError ? { startError } : {}), ...(cause ? { cause } : {}) }));
    };

    const onPoll = async (seen: JobSighting) => {
      readLines();
      if (seen === 'unreachable') {
        if (!unreachable) handlers.onStatus?.({ state: 'UNREACHABLE', detail: `slurmctld does not answer about job ${jobId}; still waiting` });
        unreachable = true;
        return;
      }
      unreachable = false;
      if (seen === null) {
        // slurmctld forgot the job (MinJobAge after its end, or a restart): the jobcomp file has its last run.
        const record = await this.cli.finished(jobId);
        if (record && jobPhase(record.state) === 'ended') return end(record);
        if (++missing >= missingPolls) return end(null, `Slurm job ${jobId} is gone: slurmctld does not know it and the jobcomp file has no end for it`);
        return;
      }
      missing = 0;
      if (last && seen.restarts > last.restarts) handlers.onStatus?.({ state: 'REQUEUED', detail: `Slurm job ${jobId} requeued (restart ${seen.restarts}; was ${last.state}${last.node ? ` on ${last.node}` : ''}); it resumes from its checkpoint` });
      if (!last || seen.state !== last.state || seen.node !== last.node) {
        const reason = seen.reason && seen.reason !== 'None' ? ` (${seen.reason})` : '';
        handlers.onStatus?.({ state: seen.state, detail: `Slurm job ${jobId} ${seen.state}${reason}${seen.node && jobPhase(seen.state) !== 'queued' ? ` on ${seen.node}` : ''}` });
      }
      last = seen;
      // An end state seen twice in a row is the end (a requeue passes through them to PENDING).
      if (jobPhase(seen.state) === 'ended' && ++endedPolls >= 2) return end(seen);
      if (jobPhase(seen.state) !== 'ended') endedPolls = 0;
    };
    const unwatch = this.watcher.watch(jobId, onPoll);

    let stopping: Promise<void> | null = null;
    const stop = (): Promise<void> => {
      stopping ??= (async () => {
        output.stopping = true;
        await this.cli.cancel(jobId).catch((err: Error) => handlers.onStatus?.({ state: 'CANCEL_FAILED', detail: err.message }));
        await exited;
      })();
      return stopping;
    };
    return { handle: { slurmJobId: jobId }, stop, exited };
  }
}

function trialFiles(dir: string) {
  return {
    script: join(dir, slurmFiles.script), stdout: join(dir, slurmFiles.stdout), stderr: join(dir, slurmFiles.stderr), offsets: join(dir, slurmFiles.offsets),
  };
}
