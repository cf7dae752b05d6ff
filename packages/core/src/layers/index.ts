// Public face of core/layers: dropout family, BatchNorm and SyncBatchNorm as serializable tfjs-layers Layers.
// Registered class names carry a "Tensorfleet" prefix so they never replace tfjs's own (e.g. its "Dropout").
export { Dropout, dropout, type DropoutArgs } from './dropout.js';
export { SpatialDropout2D, spatialDropout2d, type SpatialDropout2DArgs } from './spatial-dropout.js';
export { LeanDense, leanDense, type DenseArgs, type LeanDenseArgs } from './lean-dense.js';
export { LeanConv2D, leanConv2d, type Conv2DArgs, type LeanConv2DArgs } from './lean-conv2d.js';
export { DropConnectDense, dropConnectDense, type DropConnectDenseArgs } from './drop-connect-dense.js';
export { BatchNorm, batchNorm } from './batch-norm.js';
export type { BatchNormArgs } from './batch-norm-options.js';
export {
  SyncBatchNorm,
  syncBatchNorm,
  localCollective,
  type BatchNormCollective,
  type SyncBatchNormArgs,
} from './sync-batch-norm.js';
export { SeedStream, positionMaskStreams } from './seed-stream.js';
