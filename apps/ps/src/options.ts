import type { Logger } from 'pino';
import type { LinearWarmupOptions, NamedWeights, OptimizerName, SchedulerInterval, SchedulerName } from '@tensorfleet/core';
import { schedulerIntervals } from '@tensorfleet/core';
import { consistencyExpected, parseConsistency, transportNames, validateTrainJobSpec, type EpochLine, type TrainJobSpec, type TransportName } from '@tensorfleet/protocol';
import { consistencyRegistry } from './consistency.js';
import { withDataFiles } from './data-files.js';
import { membershipNameOf, membershipRegistry } from './membership.js';

/** Options of {@link startParameterServer}. */
export interface ParameterServerOptions {
  /** Shared secret the workers prove by HMAC challenge. */
  token: string;
  /** World size W: training starts when W workers have joined. */
  workers: number;
  /** What to train: model spec, dataset spec, batch size per worker, epochs, data seed, loss options. */
  job: TrainJobSpec;
  /**
   * Weights a fresh run starts from, by name (e.g. core's `pretrainedInit(...)` of `init.from`, or a tfjs model file's
   * own weights); the others keep their seeded initialization. Ignored when resuming from a checkpoint.
   */
  initialWeights?: NamedWeights;
  /** Core optimizer run on the PS. Default SGD { lr: 0.01, momentum: 0.9 }. */
  optimizer?: { name: OptimizerName; options?: Record<string, unknown> };
  /** LR scheduler, stepped once per epoch (ReduceLROnPlateau on the val loss). Default reduceLROnPlateau {}; null for none. */
  scheduler?: { name: SchedulerName; options?: Record<string, unknown> } | null;
  /** Linear warmup chained before the scheduler (core's LinearWarmup, torch's SequentialLR); with scheduler null, before a constant lr. */
  warmup?: LinearWarmupOptions | null;
  /**
   * 'epoch' (default): the scheduler steps at each epoch end; 'step': after every optimizer step (torch's per-iteration
   * schedules; warmup and scheduler lengths then count steps). Not for ReduceLROnPlateau, nor with parameter shards.
   */
  schedulerInterval?: SchedulerInterval;
  /** Interface and port to listen on. Default 127.0.0.1:0 (read the port back from the handle). */
  host?: string;
  port?: number;
  /** PEM certificate and key: serve wss://. */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** Checkpoints: folder, every N steps (default: epoch ends only), how many to keep (default 2). */
  checkpoint?: { dir: string; everySteps?: number; keep?: number };
  /** Continue from the newest checkpoint in checkpoint.dir, when there is one. */
  resume?: boolean;
  /** On resume, continue at this learning rate instead of the checkpoint's (a changed `optimizer.lr`). */
  lrOnResume?: number;
  /** Run id shown in logs and checked on reconnects. Default a random UUID (or the resumed run's). */
  runId?: string;
  /** pino logger; default one writing JSON lines to stderr at level 'info'. */
  logger?: Logger;
  /**
   * How long a lost worker's rank may go without a worker that delivers a step (its own, reconnected, or a new one)
   * before the run fails; a holder that leaves before delivering does not restart the wait. Elastic runs: how long an
   * epoch start waits for minWorkers. Default 60 s.
   */
  rejoinTimeoutMs?: number;
  /**
   * Restart membership (torchrun's --max-restarts): a lost worker's rank may be taken over by a new worker process,
   * which starts from the current parameters, at most this many times over the run; afterwards a lost rank waits only
   * for its own worker to reconnect. Default: a fixed world, where a new worker may take a lost rank without limit.
   */
  maxRestarts?: number;
  /** Resolves relative dataset file paths. Default process.cwd(). */
  baseDir?: string;
  /**
   * 'sync' (default: one averaged update per step, all workers in lockstep), 'async' (each gradient applied on
   * arrival, the pushing worker gets fresh parameters) or 'ssp:S' (async, a worker at most S steps ahead of the
   * slowest). Async and SSP apply W updates per step of every worker; every applied gradient's staleness is logged.
   */
  consistency?: string;
  /**
   * Sharded parameter servers: URLs of K−1 running parameter shards (startParameterShard / `tensorfleet ps-shard`).
   * This server becomes the primary: it owns one part of a size-balanced partition of the parameters, each shard
   * another (with its own optimizer state and checkpoint part); workers push and pull every part to its owner.
   */
  shards?: string[];
  /**
   * Elastic membership (sync consistency): workers may leave and join. A worker whose connection closes (or stays
   * silent past `heartbeatTimeoutMs`) is evicted at once and the step barrier goes on with the others; a worker that
   * joins mid-epoch gets the current parameters and waits; at every epoch start the members are re-ranked and the data
   * resharded over them. Training starts with `workers` workers. Default false (a fixed world: a lost worker must
   * come back within rejoinTimeoutMs).
   */
  elastic?: boolean;
  /** Elastic runs: an epoch starts only once at least this many workers are there (waiting up to rejoinTimeoutMs). Default 1. */
  minWorkers?: number;
  /** Elastic runs: a worker silent this long is evicted (workers are told to heartbeat 3× as often). Default 60 s. */
  heartbeatTimeoutMs?: number;
  /**
   * How tensor frames travel (transportSpecs): 'auto' (default) offers every worker a shared-memory channel, which
   * one on this host takes (its large frames then skip the socket) and one elsewhere declines; 'ws' keeps them all
   * on the websocket.
   */
  transport?: TransportName;
  /** Called after every applied step (progress bars); must be cheap and must not throw. */
  onStep?: (progress: StepProgress) => void;
  /** Called after each epoch's line is logged (run reports); must not throw. */
  onEpoch?: (line: EpochLine) => void;
  /** Serve Prometheus metrics at http://host:port/metrics (host default 127.0.0.1; port 0 = any free port). */
  metrics?: { host?: string; port: number };
}

/** Where training is, after a step was applied. */
export interface StepProgress {
  step: number;
  epoch: number;
  stepsPerEpoch: number;
  /** The step's training loss, averaged over workers. */
  loss: number;
  /** The step's training top-1: correct predictions over samples, all workers of the step together. */
  accuracy: number;
}

/** Validates the options, naming the field; fills defaults. */
export function resolveOptions(o: ParameterServerOptions) {
  const fail = (field: string, expected: string, got: unknown): never => {
    throw new Error(`startParameterServer: option "${field}": expected ${expected}, got ${JSON.stringify(got)}`);
  };
  if (typeof o.token !== 'string' || o.token === '') fail('token', 'a non-empty string', o.token);
  if (!Number.isInteger(o.workers) || o.workers < 1) fail('workers', 'a positive integer', o.workers);
  // the job as workers get it: absolute data paths, each data file named with its size and sha256
  const job = withDataFiles(validateTrainJobSpec(o.job), o.baseDir ?? process.cwd());
  if (o.checkpoint !== undefined) {
    if (typeof o.checkpoint.dir !== 'string' || !o.checkpoint.dir) fail('checkpoint.dir', 'a folder path', o.checkpoint.dir);
    const every = o.checkpoint.everySteps;
    if (every !== undefined && (!Number.isInteger(every) || every < 1)) fail('checkpoint.everySteps', 'a positive integer', every);
  }
  if (o.resume && !o.checkpoint) fail('resume', 'a checkpoint.dir to resume from', o.resume);
  let consistency;
  try {
    consistency = parseConsistency(o.consistency);
  } catch {
    return fail('consistency', consistencyExpected, o.consistency);
  }
  // Both strategies are chosen here, once; what they need of each other and of the job is checked from their traits.
  const { lockstep } = consistencyRegistry[consistency.name];
  const membership = membershipNameOf(o);
  const { lockstepOnly } = membershipRegistry[membership];
  if (o.shards !== undefined && (!Array.isArray(o.shards) || !o.shards.every((u) => typeof u === 'string' && /^wss?:\/\//.test(u)))) {
    fail('shards', 'an array of ws:// or wss:// shard addresses', o.shards);
  }
  if (lockstepOnly && (!lockstep || job.bn === 'sync')) {
    fail('elastic', 'sync consistency and bn "local" (elastic membership re-forms the step barrier)', { consistency: o.consistency, bn: job.bn });
  }
  if (o.maxRestarts !== undefined && (!Number.isInteger(o.maxRestarts) || o.maxRestarts < 0)) fail('maxRestarts', 'a non-negative integer', o.maxRestarts);
  if (o.rejoinTimeoutMs !== undefined && !(Number.isFinite(o.rejoinTimeoutMs) && o.rejoinTimeoutMs > 0)) fail('rejoinTimeoutMs', 'a positive number of ms', o.rejoinTimeoutMs);
  if (o.minWorkers !== undefined && (!Number.isInteger(o.minWorkers) || o.minWorkers < 1)) fail('minWorkers', 'a positive integer', o.minWorkers);
  if (job.trainer?.frozen?.length && o.shards?.length) fail('shards', 'no parameter shards when layers are frozen (a shard would update its frozen part)', o.shards);
  const interval = o.schedulerInterval ?? 'epoch';
  if (!schedulerIntervals.includes(interval)) fail('schedulerInterval', schedulerIntervals.map((i) => `"${i}"`).join(' or '), interval);
  if (interval === 'step' && (o.scheduler === undefined || o.scheduler?.name === 'reduceLROnPlateau')) fail('schedulerInterval', '"epoch" for reduceLROnPlateau (it steps on the validation loss)', interval);
  if (interval === 'step' && o.shards?.length) fail('schedulerInterval', '"epoch" with parameter shards (they learn the lr at epoch starts)', interval);
  if (lockstepOnly && o.shards?.length) fail('elastic', 'no parameter shards (shards expect a fixed world size)', o.shards);
  if (o.metrics !== undefined && !(Number.isInteger(o.metrics.port) && o.metrics.port >= 0 && o.metrics.port <= 65535)) fail('metrics.port', 'an integer port in [0, 65535]', o.metrics.port);
  if (o.transport !== undefined && !transportNames.includes(o.transport)) fail('transport', transportNames.map((t) => `"${t}"`).join(' or '), o.transport);
  const hb = o.heartbeatTimeoutMs;
  if (hb !== undefined && !(membership === 'elastic' && Number.isFinite(hb) && hb >= 300)) fail('heartbeatTimeoutMs', 'a number ≥ 300 in an elastic run', hb);
  if (!lockstep && o.shards?.length) fail('consistency', '"sync" with parameter shards (shards apply lockstep steps)', o.consistency);
  if (!lockstep && job.bn === 'sync') fail('consistency', '"sync" with job.bn "sync" (SyncBN needs workers in lockstep)', o.consistency);
  return {
    ...o,
    job,
    optimizer: o.optimizer ?? { name: 'sgd' as OptimizerName, options: { lr: 0.01, momentum: 0.9 } },
    scheduler: o.scheduler === undefined ? { name: 'reduceLROnPlateau' as SchedulerName, options: {} } : o.scheduler,
    schedulerInterval: interval,
    rejoinTimeoutMs: o.rejoinTimeoutMs ?? 60_000,
    consistency,
    membership,
    shards: o.shards ?? [],
    minWorkers: o.minWorkers ?? 1,
    transport: o.transport ?? ('auto' as TransportName),
  };
}
