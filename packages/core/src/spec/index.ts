/**
 * core/spec: one schema per concept (optimizer, scheduler, data source, dataset, model) and the registries
 * (name → {options schema, create}) that the CLI config, the parameter server's job check, the coordinator's trial
 * check and the generated config reference all derive from. Adding an optimizer, a scheduler, a data source or a
 * model kind is its implementation plus one registry entry here.
 */
export { optimizerRegistry, type OptimizerEntry } from './optimizers.js';
export { schedulerRegistry, stepAtEpochEnd, checkSchedulerOptions, type SchedulerEntry } from './schedulers.js';
export { dataSourceRegistry, dataSourceSchema, loadSource, sourceFiles, absoluteSource, resolvePath, type DataSourceEntry, type SourceContext } from './data-sources.js';
export { datasetSpecSchema, splitRatiosSchema, augmentSchema } from './dataset.js';
export {
  modelKindRegistry, modelSchema, resolveModel, absoluteModel, checkInputFitsData, modelField, modelWeights, bnModeSchema,
  type ModelKindEntry, type ModelContext,
} from './models.js';
export { initSchema, absoluteInit } from './fine-tune.js';
export { warmupSchema } from './warmup.js';
export { schedulerIntervals, schedulerIntervalSchema, type SchedulerInterval } from './scheduler-interval.js';
export { kindChoice, kindOf, type KindEntry, type KindsMeta } from './kinds.js';
export { checkedBy, issueLines } from './checked.js';
export { optionsObject, zodFromRule } from './option-rules.js';
