import { existsSync, mkdirSync } from 'node:fs';
import { writeFileAtomic } from './write-file-atomic.js';
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { LATEST_FILE, listCheckpoints, MetricsPortInUseError, startParameterServer, type ParameterServerHandle, type ParameterServerOptions, type StepProgress, type TrainingSummary } from '@tensorfleet/ps';
import { jobFromConfig, type ResolvedJob, type TrainConfig } from '@tensorfleet/protocol';
import { LiveRunReport } from '../report-html/write-run-report.js';
import { reconcileResumeConfig } from './resume-config.js';
import { summarizeRun, type RunSummary } from './train-summary.js';
import { startLocalShards, type LocalShards } from './ps-shard.js';

/** The logger for what serveJob itself says: the command's (role cli, the run id) when given. */
const say = (o: ServeJobOptions): Logger => o.cliLogger?.() ?? o.logger;

export interface ServeJobOptions {
  token: string;
  /** The parameter server's logger (it binds role and run itself). */
  logger: Logger;
  /** The command's own logger (role cli, the run id), for what this function says; default `logger`. */
  cliLogger?: () => Logger;
  /** Where the log lines of the parameter shards started here go (default: stdout). */
  onShardLine?: (line: string) => void;
  backend: string;
  host?: string;
  port?: number;
  resume?: boolean;
  /** A changed learning rate to continue a resumed run at (set from the config comparison). */
  lrOnResume?: number;
  runId?: string;
  /** ms since the command started, for time-to-accuracy. */
  startedAt: number;
  onStep?: (progress: StepProgress) => void;
  /** Called once the server listens (start the workers here). */
  onListening?: (ps: ParameterServerHandle) => void;
  /** PEM certificate and key: serve wss:// (`tensorfleet ps --cert --key`). */
  tls?: { cert: Buffer; key: Buffer };
  /**
   * Serve Prometheus metrics at http://host:port/metrics; `fallback`: the port is only a default, so when it is taken
   * the run goes on without /metrics (and says so) instead of failing.
   */
  metrics?: { host?: string; port: number; fallback?: boolean };
  /** The job already resolved from the config (jobFromConfig), so config problems surface before anything starts. */
  resolved?: ResolvedJob;
  /** How long a lost worker may take to come back before the run fails (PS default 60 s). */
  rejoinTimeoutMs?: number;
  /** Replacement workers a lost rank may get over the run (restart membership); default a fixed world. */
  maxRestarts?: number;
  /** Addresses of running parameter shards (`tensorfleet ps-shard`); default: start config.psShards − 1 of them here. */
  shards?: string[];
}

/**
 * Runs one training job's parameter server from a config until it finishes, then writes OUT/summary.json and
 * returns it with its path. Checkpoints go to OUT/checkpoints, so `--resume` finds them.
 */
export async function serveJob(config: TrainConfig, o: ServeJobOptions): Promise<{ summary: RunSummary; path: string; result: TrainingSummary }> {
  const out = resolve(config.out);
  mkdirSync(out, { recursive: true });
  const checkpoints = join(out, 'checkpoints');
  if (o.resume && listCheckpoints(checkpoints).length === 0 && !existsSync(join(checkpoints, LATEST_FILE))) {
    // Say so rather than pretend: a typo in --out would otherwise silently retrain from scratch.
    say(o).warn({ out }, `--resume: no checkpoint in ${checkpoints}; starting a fresh run`);
  }
  const resumeOverrides = reconcileResumeConfig(out, config, { resume: o.resume === true, logger: say(o) });
  const epochEndTimes: number[] = [];
  let local: LocalShards | undefined;
  if (!o.shards && config.psShards > 1) {
    local = await startLocalShards(config.psShards - 1, { token: o.token, ...(o.onShardLine ? { onLine: o.onShardLine } : {}) });
    say(o).info({ shards: local.urls }, `started ${config.psShards - 1} parameter shard processes`);
  }
  const shards = o.shards ?? local?.urls ?? [];
  try {
    return await serveWithShards(config, { ...o, ...resumeOverrides }, out, shards, epochEndTimes);
  } finally {
    local?.stop();
  }
}

async function serveWithShards(
  config: TrainConfig, o: ServeJobOptions, out: string, shards: string[], epochEndTimes: number[],
): Promise<{ summary: RunSummary; path: string; result: TrainingSummary }> {
  const { job, optimizer, scheduler, warmup, schedulerInterval, initialWeights } = o.resolved ?? jobFromConfig(config);
  const report = new LiveRunReport(out, { config: config as unknown as Record<string, unknown>, backend: o.backend });
  const psOptions: ParameterServerOptions = {
    ...(shards.length ? { shards } : {}),
    token: o.token,
    workers: config.workers,
    job,
    optimizer,
    scheduler,
    ...(warmup ? { warmup } : {}),
    schedulerInterval,
    ...(initialWeights ? { initialWeights } : {}),
    consistency: config.consistency,
    transport: config.transport,
    elastic: config.elastic,
    ...(o.rejoinTimeoutMs ? { rejoinTimeoutMs: o.rejoinTimeoutMs } : {}),
    ...(o.maxRestarts !== undefined ? { maxRestarts: o.maxRestarts } : {}),
    host: o.host,
    port: o.port,
    ...(o.tls ? { tls: o.tls } : {}),
    checkpoint: { dir: join(out, 'checkpoints'), ...(config.checkpointEvery > 0 ? { everySteps: config.checkpointEvery } : {}) },
    resume: o.resume,
    ...(o.lrOnResume !== undefined ? { lrOnResume: o.lrOnResume } : {}),
    ...(o.runId && !o.resume ? { runId: o.runId } : {}),
    logger: o.logger,
    onStep: (p) => {
      if (p.step % p.stepsPerEpoch === 0) epochEndTimes[p.step / p.stepsPerEpoch - 1] = (performance.now() - o.startedAt) / 1000;
      o.onStep?.(p);
    },
    onEpoch: (line) => void report.epoch(line).catch((err: Error) => say(o).warn({ err: err.message }, 'report.html not written')),
    ...(o.metrics ? { metrics: { host: o.metrics.host, port: o.metrics.port } } : {}),
  };
  const ps = await startParameterServer(psOptions).catch((err: unknown) => {
    if (!(err instanceof MetricsPortInUseError && o.metrics?.fallback)) throw err;
    say(o).warn(`${err.message}; training without /metrics`);
    return startParameterServer({ ...psOptions, metrics: undefined });
  });
  report.attach(ps);
  o.onListening?.(ps);
  say(o).info({ url: ps.url, workers: config.workers, out, ...(ps.metricsUrl ? { metrics: ps.metricsUrl } : {}) }, 'parameter server listening');
  const result = await ps.done.catch(async (err: unknown) => {
    await report.finish(null).catch(() => {});
    throw err;
  });
  await report.finish(result).catch((err: Error) => say(o).warn({ err: err.message }, 'report.html not written'));
  const summary = summarizeRun(result, {
    backend: o.backend,
    wallSeconds: (performance.now() - o.startedAt) / 1000,
    epochEndTimes,
    targets: config.accuracyTargets,
  });
  const path = join(out, 'summary.json');
  writeFileAtomic(path, `${JSON.stringify(summary, null, 2)}\n`);
  return { summary, path, result };
}
