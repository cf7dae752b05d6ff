import { createLauncher, type LauncherContext } from '@tensorfleet/launch';
import type { LauncherChoice } from '@tensorfleet/protocol';
import type { StudySpec } from '../spec/schema.js';
import type { StudyLauncher } from '../spec/launcher.js';
import { SlurmLauncher } from './slurm/slurm-launcher.js';
import { ProcessTrialLauncher } from './trial-launcher.js';
import type { Launcher } from './types.js';

/**
 * The trial launcher a study spec's `launcher` names: slurm submits each trial as a batch job; every other name is a
 * process launcher of @tensorfleet/launch (local, ...) running one `tensorfleet train` per trial through the generic
 * ProcessTrialLauncher.
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
  const processes = createLauncher(choice as LauncherChoice, { stopGraceMs: trial.stopGraceMs, ...context });
  return new ProcessTrialLauncher(processes, { ...command, resumeArgs: trial.resumeArgs, env: trial.env, stopGraceMs: trial.stopGraceMs });
}
