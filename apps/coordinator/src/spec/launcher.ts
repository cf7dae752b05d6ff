import { launcherOptionSchemas } from '@tensorfleet/protocol';
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

/** Where a study's trials run: `local` (child processes of the coordinator) or `{slurm: {...}}` (one batch job each). */
export const studyLauncherSchema = z
  .preprocess((v) => (typeof v === 'string' ? { [v]: {} } : v), z.object({ local: launcherOptionSchemas.local.optional(), slurm: slurmTrialOptionsSchema.optional() }).strict())
  .refine((m) => Object.values(m).filter((v) => v !== undefined).length === 1, { message: 'name exactly one launcher: local, slurm' })
  .transform((m) => (m.slurm ? { name: 'slurm' as const, options: m.slurm } : { name: 'local' as const, options: {} }));
export type StudyLauncher = z.output<typeof studyLauncherSchema>;
