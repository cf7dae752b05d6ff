/**
 * @tensorfleet/worker — a data-parallel worker: receives the job from the parameter server, trains on its shard,
 * pushes gradients and applies the parameters it gets back.
 */
export { runWorker, type WorkerOptions, type WorkerSummary } from './run-worker.js';
export { ShardData } from './shard-data.js';
