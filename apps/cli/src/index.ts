export { trainConfigSchema, type TrainConfig, type TrainConfigInput } from './config/schema.js';
export { ConfigError, readConfigFile, mergeConfig, resolveTrainConfig } from './config/load.js';
