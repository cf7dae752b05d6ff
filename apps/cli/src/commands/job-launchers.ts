import { Option } from 'commander';
import { ConfigError, launcherNames, launcherOptionSchemas } from '@tensorfleet/protocol';
// Only the flags here: each launcher's code (the coordinator's Slurm client, the Kubernetes client) loads when it runs.
import { kubernetesTrainFlags, notRunLive } from './k8s-train-flags.js';
import { slurmTrainFlags } from './slurm-train-flags.js';

/**
 * A launcher that runs the whole job somewhere else, the parameter server too (unlike the process launchers of
 * `@tensorfleet/launch`, which start only the workers of the server this process runs).
 */
export interface JobLauncher {
  /** What `--launcher NAME` does, for `train --help`. */
  description: string;
  /** Its own flags (from its options schema in protocol's spec), which `train` adds. */
  flags(): Option[];
  /**
   * The `train` flags (attribute names) it uses besides its own; absent: every one (it reruns the command line).
   * Any other flag given is refused, never silently dropped.
   */
  uses?: readonly string[];
  /** Runs the job to its end; resolves to its exit code (exitCodes). `args`: the command line after `train`. */
  run(flags: Record<string, unknown>, args: string[]): Promise<number>;
}

/**
 * The whole-job launchers of `tensorfleet train --launcher NAME`, by name.
 * @example
 * const job = jobLauncher(flags.launcher);
 * if (job) return job.run(flags, args); // else the process launchers start the workers of this process's server
 */
export const jobLaunchers = {
  slurm: {
    description: 'the run as one Slurm batch job, a task per worker, rank 0 hosting the parameter server',
    flags: slurmTrainFlags,
    run: async (flags, args) => (await import('./slurm-train.js')).runTrainOnSlurm(flags, asLocalLauncher(args)),
  },
  kubernetes: {
    description: `a PS Job behind a Service and an Indexed Job of workers in your kubeconfig's cluster, its PS log followed; ${notRunLive}`,
    flags: kubernetesTrainFlags,
    uses: ['config', 'workers', 'launcher'],
    run: async (flags) => (await import('./k8s-train.js')).trainOnKubernetes(flags),
  },
} as const satisfies Record<string, JobLauncher>;

export type JobLauncherName = keyof typeof jobLaunchers;
export const jobLauncherNames = Object.keys(jobLaunchers) as JobLauncherName[];

/** The whole-job launcher `name` names, if it names one. */
export function jobLauncher(name: unknown): JobLauncher | undefined {
  return typeof name === 'string' && Object.hasOwn(jobLaunchers, name) ? jobLaunchers[name as JobLauncherName] : undefined;
}

/** Every name `--launcher` takes: the process launchers' (protocol's spec), then the whole-job launchers'. */
export const trainLauncherNames: readonly string[] = [...launcherNames, ...jobLauncherNames];

/**
 * `--launcher` and `--hosts` of `train`: where the job runs. The choices and their help come from the two name
 * lists, so a new launcher is a `--launcher` choice at once; any other name is a usage error (exit 2) naming them.
 */
export function launcherOptions(): Option[] {
  const processes = launcherNames.map((n) => `${n}: workers as ${launcherOptionSchemas[n].description}`);
  const jobs = jobLauncherNames.map((n) => `${n}: ${jobLaunchers[n].description}`);
  return [
    new Option('--launcher <name>', `where the job runs (default: the config's launcher, local) — ${[...processes, ...jobs].join('; ')}`).choices(trainLauncherNames),
    new Option('--hosts <file>', 'ssh hostfile, one host per line: host[:port] slots=N gpus=0,1 (implies --launcher ssh)'),
  ];
}

/**
 * Every whole-job launcher's flags, once each: a flag two launchers share (--gpus-per-worker) keeps the first's
 * parser and says what it means for each.
 */
export function jobLauncherFlags(): Option[] {
  const byFlag = new Map<string, Option>();
  for (const name of jobLauncherNames) {
    for (const option of jobLaunchers[name].flags()) {
      const help = `with --launcher ${name}: ${option.description}`;
      const seen = byFlag.get(option.flags);
      if (seen) seen.description = `${seen.description}; ${help}`;
      else byFlag.set(option.flags, Object.assign(option, { description: help }));
    }
  }
  return [...byFlag.values()];
}

/**
 * Refuses flags the chosen whole-job launcher would not use (`--epochs` with kubernetes, whose pods read the config
 * file; `--image` with slurm): a ConfigError naming the first, exit 2.
 * `given`: the flags given on the command line, as `[attribute, flag]`.
 */
export function checkJobFlags(name: JobLauncherName, given: readonly (readonly [string, string])[]): void {
  const launcher: JobLauncher = jobLaunchers[name];
  const own = new Set(launcher.flags().map((o) => o.attributeName()));
  const others = new Set(jobLauncherNames.filter((n) => n !== name).flatMap((n) => jobLaunchers[n].flags().map((o) => o.attributeName())));
  const used = (attribute: string) => own.has(attribute) || (launcher.uses ? launcher.uses.includes(attribute) : !others.has(attribute));
  const unused = given.find(([attribute]) => !used(attribute));
  if (unused) throw new ConfigError(`${unused[1]} is not used by --launcher ${name}${launcher.uses ? ` (it uses its own flags and ${launcher.uses.filter((u) => u !== 'launcher').map((u) => `--${u}`).join(', ')}; put the rest in the --config file)` : ''}`);
}

/** The command line with `--launcher slurm` made `--launcher local`: the job's tasks run it inside the allocation. */
function asLocalLauncher(args: string[]): string[] {
  return args.map((a, i) => (a === '--launcher=slurm' ? '--launcher=local' : a === 'slurm' && args[i - 1] === '--launcher' ? 'local' : a));
}
