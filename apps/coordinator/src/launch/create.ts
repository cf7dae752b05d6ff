import { createLauncher, type LauncherContext } from '@tensorfleet/launch';
import type { LauncherChoice } from '@tensorfleet/protocol';
import type { StudySpec } from '../spec/schema.js';
import type { StudyLauncher } from '../spec/launcher.js';
import { KubernetesApi } from '@tensorfleet/kubernetes';
import { SlurmLauncher } from './slurm/slurm-launcher.js';
import { KubernetesLauncher } from './kubernetes-launcher.js';
import { ProcessTrialLauncher } from './trial-launcher.js';
import type { Launcher } from './types.js';

/**
 * The trial launcher a study spec's `launcher` names: slurm submits each trial as a batch job, kubernetes as a Job;
 * every other name is a process launcher of @tensorfleet/launch (local, ...) running one `tensorfleet train` per trial
 * through the generic ProcessTrialLauncher.
 *
 * @example
 * const launcher = createTrialLauncher(parseStudySpec({ ...raw, launcher: { slurm: { partition: 'gpu' } } })); // a SlurmLauncher
 */
export function createTrialLauncher(spec: StudySpec, context: LauncherContext = {}): Launcher {
  const { trial } = spec;
  const command = trial.command ? { command: trial.command } : {};
  const choice: StudyLauncher = spec.launcher;
  if (choice.name === 'slurm') {
    return new SlurmLauncher({ ...choice.options, pollMs: choice.options.pollSeconds * 1000, ...command, resumeArgs: trial.resumeArgs, env: trial.env });
  }
  if (choice.name === 'kubernetes') {
    // The trial's command is the image's entrypoint (`tensorfleet train`): trial.command does not apply in a pod.
    const api = KubernetesApi.fromKubeconfig(choice.options.context ? { context: choice.options.context } : {});
    return new KubernetesLauncher({ api, options: choice.options });
  }
  const processes = createLauncher(choice as LauncherChoice, { stopGraceMs: trial.stopGraceMs, ...context });
  return new ProcessTrialLauncher(processes, { ...command, resumeArgs: trial.resumeArgs, env: trial.env, stopGraceMs: trial.stopGraceMs });
}
