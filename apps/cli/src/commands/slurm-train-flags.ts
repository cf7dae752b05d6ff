// The flags of `train --launcher slurm`, apart from the launcher itself: `train` defines them for every run (its
// --help lists them), and this file keeps that from loading the Slurm code and the coordinator behind it.
import { Option } from 'commander';
import { z } from 'zod';
import { slurmTrialOptionsSchema } from '@tensorfleet/protocol';

/**
 * The options of `train --launcher slurm`: the study spec's Slurm job options (partition, time, account, USR1 warning,
 * extra sbatch options) and how the run's workers take up nodes and GPUs.
 */
export const slurmTrainOptionsSchema = slurmTrialOptionsSchema.extend({
  gpusPerWorker: z.number().int().min(0).default(0).describe('GPUs per worker task (the job asks --gres=gpu:gpusPerWorker×workersPerNode per node)'),
  workersPerNode: z.number().int().min(1).default(1).describe('worker tasks per node (nodes = workers / workersPerNode)'),
});

/** Each option as a flag: `--partition`, `--time`, `--gpus-per-worker`, ... (kebab case of the schema's keys). */
export const flagOf = (key: string) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
const numeric = new Set(['signalSeconds', 'pollSeconds', 'gpusPerWorker', 'workersPerNode']);

/** The flags of `train --launcher slurm`, one per option of {@link slurmTrainOptionsSchema}. */
export function slurmTrainFlags(): Option[] {
  return Object.entries(slurmTrainOptionsSchema.shape)
    .filter(([key]) => key !== 'sbatchArgs')
    .map(([key, schema]) => new Option(`${flagOf(key)} <value>`, schema.description ?? key).argParser((raw: string): unknown => (numeric.has(key) ? Number(raw) : raw)));
}
