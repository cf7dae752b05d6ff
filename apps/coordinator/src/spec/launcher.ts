import { kubernetesOptionsSchema, launcherOptionSchemas, namedChoiceSchema, slurmTrialOptionsSchema, type NamedChoice } from '@tensorfleet/protocol';

/**
 * Where a study's trials may run: every process launcher of protocol's launchers.ts (one `tensorfleet train` process
 * per trial, through it: local, ...) and the cluster schedulers that run a trial as their own job (slurm: one batch
 * job per trial, placed by Slurm; kubernetes: one Job per trial in the kubeconfig's cluster).
 */
export const trialLauncherOptionSchemas = { ...launcherOptionSchemas, slurm: slurmTrialOptionsSchema, kubernetes: kubernetesOptionsSchema } as const;
export type TrialLauncherName = keyof typeof trialLauncherOptionSchemas;

/** A parsed study `launcher`: a process launcher's choice, or a cluster scheduler's with its options. */
export type StudyLauncher = NamedChoice<typeof trialLauncherOptionSchemas>;

/**
 * A study spec's `launcher: local` or `launcher: {NAME: {...options}}`, parsed to `{name, options}`.
 *
 * @example
 * studyLauncherSchema.parse({ slurm: { partition: 'gpu' } }); // { name: 'slurm', options: { partition: 'gpu', signalSeconds: 120, ... } }
 */
export const studyLauncherSchema = namedChoiceSchema(trialLauncherOptionSchemas);
