import pino from 'pino';
import { createProtocolServer, logMessages, maxPayloadFor, ProtocolError, STEP_PROFILE_ENV, stepProfiler } from '@tensorfleet/protocol';
import { runAsyncEpoch } from './async-epoch.js';
import { CollectiveHub } from './collective-hub.js';
import { DataFileServer } from './data-files.js';
import { finishEpoch, evaluate } from './epoch-report.js';
import { RunMonitor } from './metrics.js';
import { startMetricsServer, type MetricsServer } from './metrics-server.js';
import { resolveOptions, type ParameterServerOptions } from './options.js';
import { checkpointRun, gatherShards } from './run-checkpoint.js';
import { emptyEpochStats, type RunContext, type Waiter } from './run-context.js';
import { broadcast } from './run-messages.js';
import { prepareRun, type PreparedRun } from './run-setup.js';
import { RunStopped, type ParameterServerHandle, type TrainingSummary } from './run-types.js';
import { connectShards, type ShardLink } from './shard-link.js';
import { runSyncEpoch } from './sync-epoch.js';
import { admitWorker, formEpochMembership } from './worker-membership.js';

export { RunStopped, type EpochSummary, type ParameterServerHandle, type TrainingSummary } from './run-types.js';

/**
 * Starts the parameter server of a synchronous data-parallel run: waits for `workers` workers, sends them the job and
 * the initial parameters, and for every step sums the workers' gradients in rank order, divides by W, applies the
 * optimizer, averages the BatchNorm statistics and sends the new parameters to all. At each epoch end it combines the
 * workers' validation shards (weighted by counts), steps the scheduler and checkpoints; after the last epoch it
 * evaluates the test split the same way.
 * @example
 * const ps = await startParameterServer({ token, workers: 2, job: { model: presetSpec('mlp'),
 *   dataset: { source: 'mnist-digits' }, batchSize: 32, epochs: 1, dataSeed: 0 } });
 * // start workers with runWorker({ psUrl: ps.url, token }) ...
 * const summary = await ps.done;
 */
export async function startParameterServer(options: ParameterServerOptions): Promise<ParameterServerHandle> {
  // Declared before it is built: the monitor and the shards' onLost read the run, and the run holds both.
  let run: RunContext;
  const monitor = new RunMonitor(() => run);
  const o = resolveOptions({ ...options, onStep: (p) => (monitor.stepApplied(p), options.onStep?.(p)) });
  // First, so a metrics port in use fails the start before anything else is allocated.
  const metrics: MetricsServer | null = o.metrics ? await startMetricsServer(monitor, o.metrics) : null;
  const W = o.workers;
  const started = performance.now();

  let prepared: PreparedRun;
  try {
    prepared = prepareRun(o);
  } catch (e) {
    await metrics?.close(); // a run that cannot start (e.g. no good checkpoint to resume) must not hang on its metrics port
    throw e;
  }
  const { trainer, parameters, owned, optimizer } = prepared;
  const log = (o.logger ?? pino({ level: 'info' }, pino.destination(2))).child({ role: 'ps', run: prepared.runId });
  for (const warning of prepared.warnings) log.warn(warning);

  const shapes = { parameterShapes: trainer.parameterShapes, stateShapes: trainer.stateShapes };
  if (metrics) log.info({ url: metrics.url }, 'metrics served');
  const shards: ShardLink[] = await connectShards(o.shards, {
    token: o.token, runId: prepared.runId, parts: prepared.parts.slice(1), parameters, shapes: shapes.parameterShapes, workers: W,
    stepsPerEpoch: prepared.stepsPerEpoch, step: prepared.step, epoch: prepared.epoch,
    lr: optimizer.lr, optimizer: o.optimizer, resumeDir: prepared.resumedFrom, onLost: (e) => run.failRun(e),
  });
  const server = await createProtocolServer({
    token: o.token, host: o.host, port: o.port, tls: o.tls, maxPayload: maxPayloadFor(shapes.parameterShapes, shapes.stateShapes),
    ...(o.heartbeatTimeoutMs ? { idleTimeoutMs: o.heartbeatTimeoutMs } : {}),
  }).catch(async (e: unknown) => {
    // Cannot listen (port in use): release what was started, so the caller's process can exit with its one line.
    for (const link of shards) link.close();
    await metrics?.close();
    trainer.dispose();
    prepared.model.dispose();
    throw e;
  });
  // Pushes and params of this server carry only its own part.
  server.shapes = { parameterShapes: owned.map((i) => shapes.parameterShapes[i]!), stateShapes: shapes.stateShapes };

  let allJoined: () => void = () => {};
  const joined = new Promise<void>((r) => (allJoined = r));
  let failRun: (e: Error) => void = () => {};
  let stopRequested: () => void = () => {};
  const failure = new Promise<never>((_, reject) => {
    failRun = (e: Error) => {
      if (run.finished) return;
      run.finished = true;
      for (const t of run.rejoinTimers.values()) clearTimeout(t);
      run.rejoinTimers.clear();
      const stopped = e instanceof RunStopped;
      if (stopped) log.warn({ step: e.step, checkpoint: e.checkpoint }, 'run stopped');
      else log.error({ err: e.message }, 'run failed');
      // Tell every worker why, so none takes this end for a finished run: a stopped run says bye, a failed one an error.
      for (const peer of [...run.slots, ...run.lobby]) {
        if (stopped) peer?.close(`the run stopped at step ${e.step}`);
        else peer?.fail(new ProtocolError('closed', `the run failed: ${e.message}`));
      }
      (run.waiter as Waiter<unknown> | null)?.reject(e);
      reject(e);
    };
  });
  failure.catch(() => {});
  run = {
    ...prepared, o, W, log, shards, shapes, files: new DataFileServer(o.job.dataFiles ?? []), updates: 0,
    slots: new Array(W).fill(undefined), lobby: [], trainingStarted: false, finished: false,
    joinedSomeone: () => {}, allJoined, rejoinTimers: new Map(), restarts: 0,
    barrier: null, waiter: null, collectedRanks: [],
    gate: null, epochDone: null, versionSent: new Array(W).fill(0), latestStates: new Array(W).fill(undefined), epochStats: emptyEpochStats(),
    profile: stepProfiler(process.env[STEP_PROFILE_ENV] === '1'),
    failRun, failure, stopRequested: false, stopRequest: new Promise<void>((r) => (stopRequested = r)),
  };

  const hub = new CollectiveHub(W, log);
  server.on('peer', (peer) => monitor.watchPeer(peer)); // first: it reads a push's staleness before it is applied
  server.on('peer', (peer) => admitWorker(run, hub, peer));
  server.on('rejected', (e: ProtocolError, remote: string) => log.warn({ code: e.code, remote, err: e.message }, 'refused'));

  const train = async (): Promise<TrainingSummary> => {
    await joined;
    run.trainingStarted = true;
    log.info({ workers: W, stepsPerEpoch: run.stepsPerEpoch, step: run.step, epoch: run.epoch, elastic: o.elastic }, 'all workers joined; training');
    while (run.epoch < o.job.epochs) {
      const t0 = performance.now();
      const firstStep = run.step;
      const lr = optimizer.lr;
      run.barrier = { type: 'barrier', step: run.step, epoch: run.epoch, action: 'train' };
      for (const link of shards) link.epoch(run.step, run.epoch, optimizer.lr); // the shards' learning rate from this step on
      let endStep = (run.epoch + 1) * run.stepsPerEpoch;
      if (o.elastic) endStep = run.step + (await formEpochMembership(run));
      else if (o.consistency.kind === 'sync') broadcast(run, run.barrier);
      const firstUpdate = run.updates;
      Object.assign(run.epochStats, emptyEpochStats());
      const totals = o.consistency.kind === 'sync' ? await runSyncEpoch(run, endStep) : await runAsyncEpoch(run, endStep);
      await finishEpoch(run, { t0, firstStep, firstUpdate, lr }, totals);
      await checkpointRun(run);
      if (run.stopRequested) throw new RunStopped(run.step, run.lastCheckpoint);
    }
    const test = o.job.evaluateTest === false || !run.data.test ? null : await evaluate(run, 'test');
    await gatherShards(run);
    for (const link of shards) link.stop();
    if (test) log.info({ test }, 'test evaluation');
    const profile = run.profile.report();
    if (profile) log.info({ profile }, logMessages.stepProfile);
    run.finished = true;
    run.barrier = { type: 'barrier', step: run.step, epoch: run.epoch, action: 'stop' };
    broadcast(run, run.barrier);
    for (const peer of run.lobby) peer.send(run.barrier);
    for (const peer of [...run.slots, ...run.lobby]) peer?.close('training done');
    return {
      runId: run.runId, worldSize: W, steps: run.step, updates: run.updates,
      consistency: o.consistency.kind === 'ssp' ? `ssp:${o.consistency.bound}` : o.consistency.kind, epochs: run.history, test,
      wallSeconds: (performance.now() - started) / 1000, checkpoint: run.lastCheckpoint, normalization: run.data.normalization,
      parameterNames: trainer.parameterNames,
      parameters: parameters.map((p) => new Float32Array(p)), states: run.states.map((s) => new Float32Array(s)),
    };
  };

  const trained = train();
  trained.catch((e: Error) => run.failRun(e)); // whatever ended training early ends the run for every worker too
  const done = Promise.race([trained, failure]).finally(async () => {
    for (const link of shards) link.close();
    await server.close();
    await metrics?.close();
    trainer.dispose();
    run.model.dispose();
  });
  done.catch(() => {});

  return {
    port: server.port,
    url: server.url,
    runId: run.runId,
    metricsUrl: metrics?.url ?? null,
    workers: () => monitor.workers(),
    workerEpochs: () => monitor.workerEpochs(),
    done,
    snapshot: () => ({ step: run.step, epoch: run.epoch, parameters: parameters.map((p) => new Float32Array(p)), states: run.states.map((s) => new Float32Array(s)) }),
    requestStop: () => {
      if (run.finished) return;
      log.info({ step: run.step, epoch: run.epoch }, 'stop requested');
      if (!run.trainingStarted) return run.failRun(new RunStopped(run.step, run.lastCheckpoint));
      run.stopRequested = true;
      stopRequested();
    },
    close: async () => {
      run.failRun(new Error('parameter server closed before training finished'));
      await done.catch(() => {});
    },
  };
}
