export { trainConfigSchema, type TrainConfig, type TrainConfigInput } from './config/schema.js';
export { ConfigError, readConfigFile, mergeConfig, resolveTrainConfig } from './config/load.js';
export { jobFromConfig, defaultLearningRates, type ResolvedJob } from './config/job.js';
export { buildProgram, main } from './main.js';
export { runTrain } from './commands/train.js';
export type { RunSummary } from './commands/train-summary.js';
