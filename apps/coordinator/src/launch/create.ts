import type { StudySpec } from '../spec/schema.js';
import type { StudyLauncher } from '../spec/launcher.js';
import { LocalLauncher } from './local-launcher.js';
import { SlurmLauncher } from './slurm/slurm-launcher.js';
import type { Launcher } from './types.js';

type Options<N extends StudyLauncher['name']> = Extract<StudyLauncher, { name: N }>['options'];

/** How each launcher a study spec may name is created from its options and the spec's `trial` block. */
const trialLaunchers: { [N in StudyLauncher['name']]: (options: Options<N>, trial: StudySpec['trial']) => Launcher } = {
  local: (_options, trial) => new LocalLauncher({ ...(trial.command ? { command: trial.command } : {}), resumeArgs: trial.resumeArgs, env: trial.env, stopGraceMs: trial.stopGraceMs }),
  slurm: (options, trial) => new SlurmLauncher({
    ...options, pollMs: options.pollSeconds * 1000, ...(trial.command ? { command: trial.command } : {}), resumeArgs: trial.resumeArgs, env: trial.env,
  }),
};

/**
 * The trial launcher a study spec's `launcher` names.
 *
 * @example
 * const launcher = createTrialLauncher(parseStudySpec({ ...raw, launcher: { slurm: { partition: 'gpu' } } })); // a SlurmLauncher
 */
export function createTrialLauncher(spec: StudySpec): Launcher {
  const create = trialLaunchers[spec.launcher.name] as (options: unknown, trial: StudySpec['trial']) => Launcher;
  return create(spec.launcher.options, spec.trial);
}
