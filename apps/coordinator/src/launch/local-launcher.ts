import { spawn } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { logMessages, runFiles } from '@tensorfleet/protocol';
import { cudaVisibleDevices } from '../resources/slots.js';
import { epochMetrics, tagLogLine } from './log-lines.js';
import { processStartTime, reapGroup, signalGroup } from './process-identity.js';
import type { JobHandle, Launcher, RunningTrial, TrialExit, TrialHandlers, TrialJob } from './types.js';

/** The repository root (this file is apps/coordinator/{src,dist}/launch/local-launcher.*). */
export const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));

/** `node <repo>/apps/cli/dist/bin.js train --config {config} --out {dir} --metrics-port 0`: the default trial command (concurrent trials would all want the default /metrics port). */
export const defaultTrialCommand: readonly string[] = [process.execPath, `${repoRoot}apps/cli/dist/bin.js`, 'train', '--config', '{config}', '--out', '{dir}', '--metrics-port', '0'];

// util-linux's setpriv sets the parent-death signal and execs the command: a trial is killed the moment its
// coordinator dies (even by SIGKILL), so no orphan trains on, writing checkpoints no coordinator records.
const setpriv = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p));

export interface LocalLauncherOptions {
  /** argv template; placeholders {config} {dir} {trial} {study} {repo}. */
  command?: readonly string[];
  /** Appended when a job resumes from its checkpoint. */
  resumeArgs?: readonly string[];
  env?: Record<string, string>;
  /** How long a stopped job gets between SIGTERM and SIGKILL. */
  stopGraceMs?: number;
}

function fill(template: readonly string[], job: TrialJob): string[] {
  const values: Record<string, string> = { config: job.configPath, dir: job.dir, trial: String(job.trial), study: job.study, repo: repoRoot };
  return template.map((arg) => arg.replace(/\{(config|dir|trial|study|repo)\}/g, (_, key: string) => values[key]!));
}

/**
 * Runs each trial as a child process on this machine, in its own process group (so stopping a trial stops the PS and
 * workers it spawned), killed by the kernel if the coordinator dies (setpriv --pdeathsig, where util-linux has it). Its stdout is read line by line: `msg:"epoch"` lines are reported as they arrive, and every
 * line is appended to the trial's log with `study` and `trial` set. The trial sees CUDA_VISIBLE_DEVICES (the GPUs of
 * all its workers) and TENSORFLEET_WORKER_GPUS (per rank, `;`-separated, e.g. `0,1;2,3`).
 *
 * @example
 * const launcher = new LocalLauncher({ command: ['node', 'sim.js', '--config', '{config}', '--out', '{dir}'] });
 * const running = launcher.start(job, { onEpoch: (r) => console.log(r.epoch, r.metrics.valAccuracy) });
 * const exit = await running.exited;
 */
export class LocalLauncher implements Launcher {
  readonly name = 'local';
  private readonly command: readonly string[];
  private readonly resumeArgs: readonly string[];
  private readonly env: Record<string, string>;
  private readonly stopGraceMs: number;

  constructor(options: LocalLauncherOptions = {}) {
    this.command = options.command ?? defaultTrialCommand;
    this.resumeArgs = options.resumeArgs ?? ['--resume'];
    this.env = options.env ?? {};
    this.stopGraceMs = options.stopGraceMs ?? 5000;
  }

  start(job: TrialJob, handlers: TrialHandlers): RunningTrial {
    const argv = [...(setpriv ? [setpriv, '--pdeathsig', 'KILL', '--'] : []), ...fill(this.command, job), ...(job.resume ? this.resumeArgs : [])];
    const workers = job.allocation.workers;
    const env = {
      ...process.env,
      ...this.env,
      CUDA_VISIBLE_DEVICES: [...new Set(workers.flatMap((w) => w.gpus))].sort((a, b) => a - b).join(','),
      TENSORFLEET_WORKER_GPUS: workers.map(cudaVisibleDevices).join(';'),
      TENSORFLEET_STUDY: job.study,
      TENSORFLEET_TRIAL: String(job.trial),
    };
    const log = createWriteStream(job.logPath, { flags: 'a' });
    const tags = { study: job.study, trial: job.trial };
    const child = spawn(argv[0]!, argv.slice(1), { cwd: repoRoot, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const pid = child.pid ?? null;
    const handle: JobHandle = { pid, start: pid === null ? null : processStartTime(pid) };
    const stderrTail: string[] = [];
    let divergedEpoch: number | null = null;
    let lastLine = '';
    let stopping: Promise<void> | null = null;

    const stdoutDone = new Promise<void>((resolve) => {
      const lines = createInterface({ input: child.stdout });
      lines.on('line', (text) => {
        if (!text.trim()) return;
        lastLine = text.trim();
        const { line, record } = tagLogLine(text, 'stdout', tags);
        log.write(line + '\n');
        if (!record) return;
        if (record.msg === logMessages.diverged && typeof record.epoch === 'number') divergedEpoch = record.epoch;
        const report = epochMetrics(record);
        if (report && !stopping) handlers.onEpoch(report);
      });
      lines.on('close', resolve);
    });
    const stderrDone = new Promise<void>((resolve) => {
      const lines = createInterface({ input: child.stderr });
      lines.on('line', (text) => {
        if (!text.trim()) return;
        stderrTail.push(text);
        if (stderrTail.length > 20) stderrTail.shift();
        log.write(tagLogLine(text, 'stderr', tags).line + '\n');
      });
      lines.on('close', resolve);
    });

    const exited = new Promise<TrialExit>((resolve) => {
      let startError: string | undefined;
      child.on('error', (err) => (startError = `cannot start ${argv[0]}: ${err.message}`));
      child.on('close', async (code, signal) => {
        await Promise.all([stdoutDone, stderrDone]);
        if (pid !== null) signalGroup(pid, 'SIGKILL'); // whatever the job left behind in its group
        await new Promise<void>((r) => log.end(r));
        const summaryPath = lastLine.endsWith(runFiles.summary) && existsSync(lastLine) ? lastLine : null;
        resolve({ code, signal, divergedEpoch, summaryPath, stderrTail: stderrTail.join('\n'), ...(startError ? { startError } : {}) });
      });
    });

    const stop = (): Promise<void> => {
      stopping ??= (async () => {
        if (pid === null) return;
        signalGroup(pid, 'SIGTERM');
        const timer = setTimeout(() => signalGroup(pid, 'SIGKILL'), this.stopGraceMs);
        await exited;
        clearTimeout(timer);
      })();
      return stopping;
    };
    return { handle, stop, exited };
  }

  reap(handle: JobHandle): void {
    const pid = typeof handle.pid === 'number' ? handle.pid : null;
    const start = typeof handle.start === 'string' ? handle.start : null;
    if (pid !== null) reapGroup(pid, start);
  }
}
