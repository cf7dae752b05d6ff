/**
 * @tensorfleet/ps — the parameter server of synchronous data-parallel training: holds the parameters, runs a core
 * optimizer and scheduler, averages gradients and BatchNorm statistics over workers, checkpoints in tfjs format.
 */
export { startParameterServer, RunStopped, type ParameterServerHandle, type TrainingSummary, type EpochSummary } from './parameter-server.js';
export type { ParameterServerOptions, StepProgress } from './options.js';
export { meanInRankOrder, combineMetrics, type CombinedMetrics } from './aggregate.js';
export {
  writeCheckpoint, readLatestCheckpoint, loadCheckpoint, listCheckpoints, modelArtifacts, LATEST_FILE,
  type CheckpointState, type LatestCheckpoint,
} from './checkpoint.js';
export { MANIFEST_FILE, CheckpointFileError, type CheckpointManifest } from './checkpoint-manifest.js';
export { assertWritableFolder, FolderNotWritableError } from './checkpoint-folder.js';
export { writeFileAtomicSync } from './atomic-file.js';
export { toStockTopology, STOCK_LAYER_CLASSES } from './keras-export.js';
export { startParameterShard, shardPartPath, type ParameterShardOptions, type ParameterShardHandle } from './parameter-shard.js';
export { partitionParameters } from './partition.js';
export { consistencyRegistry, createConsistency, type Consistency, type EpochResult } from './consistency.js';
export { StalenessGate } from './staleness-gate.js';
export { membershipRegistry, membershipNameOf, type Membership, type MembershipName } from './membership.js';
export { CollectiveHub } from './collective-hub.js';
export { epochBucketWidth, bucketByEpoch, maxEpochPoints } from './epoch-buckets.js';
export { RunMonitor, psMetricNames, stragglerRule, type WorkerStatus, type WorkerEpochTimes } from './metrics.js';
export { startMetricsServer, MetricsPortInUseError, type MetricsServer } from './metrics-server.js';
