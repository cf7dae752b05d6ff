/**
 * The train config: one schema (train-config.ts) from which the CLI's flags, the parameter server's job, the
 * coordinator's trial check and docs/config.md are derived.
 */
export { trainConfigSchema, bnModeOf, type TrainConfig, type TrainConfigInput } from './train-config.js';
export { jobFromConfig, type ResolvedJob } from './job-from-config.js';
export { ConfigError, readConfigFile, mergeConfig, resolveTrainConfig, absoluteConfigPaths, trainConfigProblems, configBaseDir } from './load-config.js';
export { optimizerChoice, schedulerChoice, type NamedOptions } from './choices.js';
export { configReference } from './reference.js';
export { resumeChanges, changeableOnResume, type ConfigChange } from './resume-changes.js';
export {
  launcherOptionSchemas, launcherNames, launcherChoiceSchema, sshHostSchema, absoluteLauncherPaths,
  type LauncherName, type LauncherOptions, type LauncherChoice, type SshHost,
} from './launchers.js';
export { namedChoiceSchema, type NamedChoice } from './named-choice.js';
export { slurmTrialOptionsSchema, type SlurmTrialOptions } from './slurm-options.js';
export { kubernetesOptionsSchema, defaultKubernetesImage, type KubernetesOptions, type KubernetesOptionsInput } from './kubernetes-options.js';
export { consistencySpecs, consistencyExpected, parseConsistency, consistencyText, consistencyField, type ConsistencyName, type ConsistencyChoice } from './consistency.js';
export { transportSpecs, transportNames, transportField, usesSharedMemory, type TransportName } from './transports.js';
