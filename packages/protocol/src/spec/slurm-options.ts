import { z } from 'zod';

/**
 * `launcher: {slurm: {...}}`: how a batch job is submitted — each trial's of a study (the coordinator's Slurm launcher)
 * and, extended with the run's own fields, `tensorfleet train --launcher slurm`'s.
 *
 * @example
 * slurmTrialOptionsSchema.parse({ partition: 'gpu', time: '02:00:00' }).signalSeconds; // 120
 */
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

export type SlurmTrialOptions = z.output<typeof slurmTrialOptionsSchema>;
