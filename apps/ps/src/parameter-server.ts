import pino from 'pino';
import { createProtocolServer, logMessages, maxPayloadFor, ProtocolError, STEP_PROFILE_ENV, stepProfiler } from '@tensorfleet/protocol';
import { CollectiveHub } from './collective-hub.js';
import { createConsistency, type Consistency } from './consistency.js';
import { DataFileServer } from './data-files.js';
import { finishEpoch, evaluate } from './epoch-report.js';
import { membershipRegistry } from './membership.js';
import { RunMonitor, type MonitoredRun } from './metrics.js';
import { startMetricsServer, type MetricsServer } from './metrics-server.js';
import { resolveOptions, type ParameterServerOptions } from './options.js';
import { checkpointRun, gatherShards } from './run-checkpoint.js';
import type { RunContext, Waiter } from './run-context.js';
import { RunLifecycle } from './run-lifecycle.js';
import { paramsMessage } from './run-messages.js';
import { prepareRun, type PreparedRun } from './run-setup.js';
import { RunStopped, type ParameterServerHandle, type TrainingSummary } from './run-types.js';
import { connectShards, type ShardLink } from './shard-link.js';
import { settleWaiter } from './step-collector.js';
import { admitWorker } from './worker-admission.js';

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
  // Declared before they are built: the monitor and the lifecycle read the run, and the run holds both.
  let run: RunContext | undefined;
  let consistency: Consistency | undefined;
  const monitored: MonitoredRun = {
    get step() { return run!.step; },
    get epoch() { return run!.epoch; },
    get history() { return run!.history; },
    get lr() { return run!.optimizer.lr; },
    get slots() { return run!.membership.slots; },
    epochsPlanned: options.job?.epochs ?? 0,
    stalenessOf: (rank) => consistency!.stalenessOf(rank),
  };
  const monitor = new RunMonitor(() => (consistency ? monitored : undefined));
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

  const lifecycle = new RunLifecycle((e) => {
    if (!run) return;
    run.membership.end();
    const stopped = e instanceof RunStopped;
    if (stopped) log.warn({ step: e.step, checkpoint: e.checkpoint }, 'run stopped');
    else log.error({ err: e.message }, 'run failed');
    // Tell every worker why, so none takes this end for a finished run: a stopped run says bye, a failed one an error.
    for (const peer of run.membership.peers()) {
      if (stopped) peer.close(`the run stopped at step ${e.step}`);
      else peer.fail(new ProtocolError('closed', `the run failed: ${e.message}`));
    }
    (run.waiter as Waiter<unknown> | null)?.reject(e);
  });

  const shapes = { parameterShapes: trainer.parameterShapes, stateShapes: trainer.stateShapes };
  if (metrics) log.info({ url: metrics.url }, 'metrics served');
  const shards: ShardLink[] = await connectShards(o.shards, {
    token: o.token, runId: prepared.runId, parts: prepared.parts.slice(1), parameters, shapes: shapes.parameterShapes, workers: W,
    stepsPerEpoch: prepared.stepsPerEpoch, step: prepared.step, epoch: prepared.epoch,
    lr: optimizer.lr, optimizer: o.optimizer, resumeDir: prepared.resumedFrom, transport: o.transport, onLost: (e) => lifecycle.fail(e),
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

  const { data } = prepared;
  const { job } = o;
  const membership = membershipRegistry[o.membership].create({
    worldSize: W, runId: prepared.runId, log, lifecycle, rejoinTimeoutMs: o.rejoinTimeoutMs, stepsPerEpoch: prepared.stepsPerEpoch,
    maxRestarts: o.maxRestarts ?? 0, minWorkers: o.minWorkers,
    stepsFor: (members) => Math.min(Math.floor(Math.ceil(data.train.count / members) / job.batchSize), job.maxStepsPerEpoch ?? Infinity),
    params: () => paramsMessage(run!),
    membersChanged: () => settleWaiter(run!),
  });
  const r: RunContext = (run = {
    ...prepared, o, W, log, shards, shapes, files: new DataFileServer(o.job.dataFiles ?? []),
    membership, lifecycle, barrier: null, waiter: null, collectedRanks: [], profile: stepProfiler(process.env[STEP_PROFILE_ENV] === '1'),
  });
  const mode = (consistency = createConsistency(o.consistency, { run: r, checkpoint: () => checkpointRun(r) }));

  const hub = new CollectiveHub(W, log);
  server.on('peer', (peer) => monitor.watchPeer(peer)); // first: it reads a push's staleness before it is applied
  server.on('peer', (peer) => admitWorker(r, mode, hub, peer));
  server.on('rejected', (e: ProtocolError, remote: string) => log.warn({ code: e.code, remote, err: e.message }, 'refused'));

  const train = async (): Promise<TrainingSummary> => {
    await membership.ready;
    membership.startTraining();
    log.info(
      { workers: W, stepsPerEpoch: r.stepsPerEpoch, step: r.step, epoch: r.epoch, membership: membership.name, consistency: mode.text },
      'all workers joined; training',
    );
    while (r.epoch < o.job.epochs) {
      const t0 = performance.now();
      const lr = optimizer.lr;
      r.barrier = { type: 'barrier', step: r.step, epoch: r.epoch, action: 'train' };
      for (const link of shards) link.epoch(r.step, r.epoch, optimizer.lr); // the shards' learning rate from this step on
      const endStep = await membership.formEpoch(r);
      const result = await mode.runEpoch(endStep);
      await finishEpoch(r, { t0, lr }, result, mode.name);
      // Written while the next epoch trains; a stop, the next checkpoint and the run's end wait for it.
      await checkpointRun(r, { inBackground: true });
      if (lifecycle.stopRequested) {
        await r.checkpointCommits.settled();
        throw new RunStopped(r.step, r.lastCheckpoint);
      }
    }
    const test = o.job.evaluateTest === false || !r.data.test ? null : await evaluate(r, 'test'); // while the last checkpoint is written
    await r.checkpointCommits.settled();
    await gatherShards(r);
    for (const link of shards) link.stop();
    if (test) log.info({ test }, 'test evaluation');
    const profile = r.profile.report();
    if (profile) log.info({ profile }, logMessages.stepProfile);
    lifecycle.finished = true;
    membership.end();
    r.barrier = { type: 'barrier', step: r.step, epoch: r.epoch, action: 'stop' };
    membership.announce(r.barrier);
    for (const peer of membership.peers()) peer.close('training done');
    return {
      runId: r.runId, worldSize: W, steps: r.step, updates: r.updates, consistency: mode.text, epochs: r.history, test,
      wallSeconds: (performance.now() - started) / 1000, checkpoint: r.lastCheckpoint, normalization: r.data.normalization,
      parameterNames: trainer.parameterNames,
      parameters: parameters.map((p) => new Float32Array(p)), states: r.states.map((s) => new Float32Array(s)),
    };
  };

  const trained = train();
  trained.catch((e: Error) => lifecycle.fail(e)); // whatever ended training early ends the run for every worker too
  const done = Promise.race([trained, lifecycle.failure]).finally(async () => {
    await r.checkpointCommits.settled().catch(() => {}); // a failed run still leaves its last checkpoint whole on disk
    for (const link of shards) link.close();
    await server.close();
    await metrics?.close();
    trainer.dispose();
    r.model.dispose();
  });
  done.catch(() => {});

  return {
    port: server.port,
    url: server.url,
    runId: r.runId,
    metricsUrl: metrics?.url ?? null,
    workers: () => monitor.workers(),
    workerEpochs: () => monitor.workerEpochs(),
    done,
    snapshot: () => ({ step: r.step, epoch: r.epoch, parameters: parameters.map((p) => new Float32Array(p)), states: r.states.map((s) => new Float32Array(s)) }),
    requestStop: () => {
      if (lifecycle.finished) return;
      log.info({ step: r.step, epoch: r.epoch }, 'stop requested');
      if (!membership.trainingStarted) return lifecycle.fail(new RunStopped(r.step, r.lastCheckpoint));
      lifecycle.requestStop();
    },
    close: async () => {
      lifecycle.fail(new Error('parameter server closed before training finished'));
      await done.catch(() => {});
    },
  };
}
