import { kubernetesOptionsSchema, launcherOptionSchemas, type KubernetesOptions, type LauncherChoice } from '@tensorfleet/protocol';
import { z } from 'zod';

/** `launcher: {slurm: {...}}` of a study spec: how each trial's batch job is submitted. */
export const slurmTrialOptionsSchema = z
  .object({
    partition: z.string().min(1).optional().describe('sbatch --partition (default: the cluster\'s default partition)'),
    time: z.string().regex(/^[\d:-]+$/, 'a Slurm time limit: MINUTES, HH:MM:SS, D-HH:MM:SS, ...').optional().describe('sbatch --time of each trial'),
    account: z.string().min(1).optional().describe('sbatch --account'),
    signalSeconds: z.number().int().min(1).default(120).describe('--signal=B:USR1@N: seconds before the time limit when a trial checkpoints and requeues itself'),
    sbatchArgs: z.array(z.string().regex(/^--?[\w-]/, 'an sbatch option such as --qos=high')).default([]).describe('more sbatch options, as given (--qos, --constraint, --mem, ...)'),
    pollSeconds: z.number().positive().default(1).describe('how often slurmctld is asked about the trials\' jobs and their output read'),
  })
  .strict();

/**
 * Where a study's trials may run: every process launcher of protocol's launchers.ts (one `tensorfleet train` process
 * per trial, through it: local, ...) and the cluster schedulers that run a trial as their own job (slurm: one batch
 * job per trial, placed by Slurm; kubernetes: one Job per trial in the kubeconfig's cluster).
 */
export const trialLauncherOptionSchemas = { ...launcherOptionSchemas, slurm: slurmTrialOptionsSchema, kubernetes: kubernetesOptionsSchema } as const;
export type TrialLauncherName = keyof typeof trialLauncherOptionSchemas;
const trialLauncherNames = Object.keys(trialLauncherOptionSchemas) as TrialLauncherName[];

/** A parsed study `launcher`: a process launcher's choice, or slurm with its options. */
export type StudyLauncher =
  | LauncherChoice
  | { name: 'slurm'; options: z.output<typeof slurmTrialOptionsSchema> }
  | { name: 'kubernetes'; options: KubernetesOptions };

const launcherMap = z
  .object(Object.fromEntries(trialLauncherNames.map((n) => [n, trialLauncherOptionSchemas[n].optional()])) as { [N in TrialLauncherName]: z.ZodOptional<(typeof trialLauncherOptionSchemas)[N]> })
  .strict()
  .refine((m) => Object.values(m).filter((v) => v !== undefined).length === 1, { message: `name exactly one launcher: ${trialLauncherNames.join(', ')}` });

/**
 * A study spec's `launcher: local` or `launcher: {NAME: {...options}}`, parsed to `{name, options}`.
 *
 * @example
 * studyLauncherSchema.parse({ slurm: { partition: 'gpu' } }); // { name: 'slurm', options: { partition: 'gpu', signalSeconds: 120, ... } }
 */
export const studyLauncherSchema = z
  .preprocess((v) => (typeof v === 'string' ? { [v]: {} } : v), launcherMap)
  .transform((m) => {
    const name = trialLauncherNames.find((n) => m[n] !== undefined)!;
    return { name, options: m[name] } as StudyLauncher;
  });
