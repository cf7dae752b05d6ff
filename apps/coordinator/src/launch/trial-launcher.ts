import { installRoot, tensorfleetCommand, type ProcessLauncher } from '@tensorfleet/launch';
import { launcherInventory } from '../resources/inventory.js';
import type { ResourcePool } from '../resources/pool.js';
import { cudaVisibleDevices, SlotPool } from '../resources/slots.js';
import { TrialOutput } from './trial-output.js';
import type { JobHandle, Launcher, RunningTrial, TrialExit, TrialHandlers, TrialJob } from './types.js';

/** `tensorfleet train --config {config} --out {dir} --metrics-port 0`: the default trial command (concurrent trials would all want the default /metrics port). */
export const defaultTrialCommand: readonly string[] = tensorfleetCommand('train', '--config', '{config}', '--out', '{dir}', '--metrics-port', '0');

/** Options of a {@link ProcessTrialLauncher}. */
export interface TrialLauncherOptions {
  /** argv template; placeholders {config} {dir} {trial} {study} {repo}. */
  command?: readonly string[];
  /** Appended when a job resumes from its checkpoint. */
  resumeArgs?: readonly string[];
  env?: Record<string, string>;
  /** How long a stopped job gets between SIGTERM and SIGKILL. */
  stopGraceMs?: number;
}

/** The argv of a trial: the command template with its placeholders filled. */
export function fillCommand(template: readonly string[], job: TrialJob): string[] {
  const values: Record<string, string> = { config: job.configPath, dir: job.dir, trial: String(job.trial), study: job.study, repo: installRoot };
  return template.map((arg) => arg.replace(/\{(config|dir|trial|study|repo)\}/g, (_, key: string) => values[key]!));
}

/**
 * Runs each trial as one process (by default `tensorfleet train`, a PS and its workers) on the node its allocation
 * names, through a ProcessLauncher: this machine's child processes, or an SSH host. Its stdout is read line by line:
 * `msg:"epoch"` lines are reported as they arrive, and every line is appended to the trial's log with `study` and
 * `trial` set. The trial sees CUDA_VISIBLE_DEVICES (the GPUs of all its workers) and TENSORFLEET_WORKER_GPUS (per
 * rank, `;`-separated, e.g. `0,1;2,3`). Stopping a trial stops everything it started.
 *
 * @example
 * const launcher = new ProcessTrialLauncher(new LocalProcessLauncher(), { command: ['node', 'sim.js', '--config', '{config}', '--out', '{dir}'] });
 * const running = launcher.start(job, { onEpoch: (r) => console.log(r.epoch, r.metrics.valAccuracy) });
 * const exit = await running.exited;
 */
export class ProcessTrialLauncher implements Launcher {
  readonly name: string;
  private readonly command: readonly string[];
  private readonly resumeArgs: readonly string[];
  private readonly env: Record<string, string>;
  private readonly stopGraceMs: number;
  /** A launcher with nodes of its own (SSH hosts) hands out their slots and GPUs; otherwise the study's inventory does. */
  readonly resourcePool?: () => ResourcePool;

  constructor(private readonly processes: ProcessLauncher, options: TrialLauncherOptions = {}) {
    this.name = processes.name;
    const inventory = launcherInventory(processes);
    if (inventory) this.resourcePool = () => new SlotPool(inventory);
    this.command = options.command ?? defaultTrialCommand;
    this.resumeArgs = options.resumeArgs ?? ['--resume'];
    this.env = options.env ?? {};
    this.stopGraceMs = options.stopGraceMs ?? 5000;
  }

  start(job: TrialJob, handlers: TrialHandlers): RunningTrial {
    const workers = job.allocation.workers;
    const output = new TrialOutput(job, handlers);

    const launched = this.processes.start(
      {
        argv: [...fillCommand(this.command, job), ...(job.resume ? this.resumeArgs : [])],
        env: {
          ...this.env,
          TENSORFLEET_WORKER_GPUS: workers.map(cudaVisibleDevices).join(';'),
          TENSORFLEET_STUDY: job.study,
          TENSORFLEET_TRIAL: String(job.trial),
        },
        gpus: [...new Set(workers.flatMap((w) => w.gpus))].sort((a, b) => a - b),
        cwd: installRoot,
        label: `trial ${job.trial}`,
        ...(workers[0] ? { node: workers[0].node } : {}),
      },
      ({ stream, text }) => output.line(stream, text),
    );

    // A lost node (ssh's own failure) is why the trial failed: its error record leads with it.
    const exited = launched.exited.then((exit): Promise<TrialExit> => output.exit({ ...exit, ...(exit.nodeError ? { cause: `lost its node ${exit.nodeError}` } : {}) }));
    const stop = async (): Promise<void> => {
      output.stopping = true;
      await launched.stop(this.stopGraceMs);
      await exited;
    };
    return { handle: launched.handle, stop, exited };
  }

  reap(handle: JobHandle): void | Promise<void> {
    return this.processes.reap(handle);
  }
}
