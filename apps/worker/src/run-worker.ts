import * as tf from '@tensorflow/tfjs';
import pino, { type Logger } from 'pino';
import { buildModel, createTrainer, loadDatasetSpec, positionMaskStreams, selectBackend, type BackendPreference, type Trainer } from '@tensorfleet/core';
import {
  connectProtocolClient, logMessages, STEP_PROFILE_ENV, usesSharedMemory, type TransportName, stepProfiler, openBlockingCollective, validateTrainJobSpec, type BlockingCollective,
  type BarrierMessage, type JobMessage, type ProtocolClient, type ProtocolError, type ReconnectOptions, type ServerMessage, type SharedMemoryOutcome, type TrainJobSpec,
} from '@tensorfleet/protocol';
import { dataLocator, DataFileFetcher, defaultCacheDir, locateDataFiles } from './data-cache.js';
import { ShardData } from './shard-data.js';
import { withSyncBatchNorm } from './sync-bn-model.js';
import { ParameterParts } from './parameter-parts.js';
import { PushFrames } from './push-frames.js';

/** Options of {@link runWorker}. */
export interface WorkerOptions {
  /** ws://host:port (or wss://) of the parameter server. */
  psUrl: string;
  /** Shared secret (proven by HMAC challenge, never sent). */
  token: string;
  /** Shown in the PS's logs. Default `worker-<pid>`. */
  name?: string;
  /**
   * The rank to ask for when joining (a Kubernetes Indexed Job's completion index): given when free, else the first
   * free one. Default: the first free one.
   */
  rank?: number;
  /** For wss: CA to trust and whether to verify the server. */
  tls?: { ca?: string | Buffer; rejectUnauthorized?: boolean };
  /** tfjs backend to select before building the model (core's selectBackend); default: leave the current one. */
  backend?: BackendPreference;
  /** pino logger; default JSON lines on stderr at 'info'. */
  logger?: Logger;
  /** Resolves relative dataset file paths. Default process.cwd(). */
  baseDir?: string;
  /** Where data files fetched from the parameter server are kept, by sha256. Default {@link defaultCacheDir}. */
  cacheDir?: string;
  /** 'auto' (default): take a shared-memory offer of a parameter server on this host; 'ws': decline it (transportSpecs). */
  transport?: TransportName;
  /**
   * Reconnect backoff after transport loss. Default: up to 4 attempts (1.5 s of backoff), so a worker whose parameter server
   * is gone fails promptly instead of retrying for half a minute.
   */
  reconnect?: ReconnectOptions | false;
  /** Abort to stop after the current step (finishing it) and say bye. */
  signal?: AbortSignal;
  /**
   * Install handlers that do the same as `signal` (for a worker process): `true` for SIGTERM and SIGINT, or the list of
   * signals (a Slurm job's SIGUSR1 too). Default false.
   */
  handleSignals?: boolean | readonly NodeJS.Signals[];
}

/** What a worker did. */
export interface WorkerSummary {
  runId: string;
  rank: number;
  worldSize: number;
  /** Training steps this worker computed. */
  steps: number;
  /** How it ended: 'done' (the run completed), 'stopped' (a signal, or the PS stopped the run before it completed). */
  ended: 'done' | 'stopped';
  computeMsPerStep: number;
  commMsPerStep: number;
}

class Inbox {
  private queue: ServerMessage[] = [];
  private wake: (() => void) | null = null;
  private failure: Error | null = null;

  push(m: ServerMessage): void {
    this.queue.push(m);
    this.wake?.();
  }
  unshift(m: ServerMessage): void {
    this.queue.unshift(m);
  }
  fail(e: Error): void {
    this.failure ??= e;
    this.wake?.();
  }
  wakeUp(): void {
    this.wake?.();
  }
  async next(stop: () => boolean): Promise<ServerMessage | null> {
    for (;;) {
      if (this.queue.length) return this.queue.shift()!;
      if (this.failure) throw this.failure;
      if (stop()) return null;
      await new Promise<void>((r) => (this.wake = r));
      this.wake = null;
    }
  }
}

interface Built {
  runId: string;
  rank: number;
  worldSize: number;
  stepsPerEpoch: number;
  spec: TrainJobSpec;
  trainer: Trainer;
  model: tf.LayersModel;
  data: ShardData;
  /** SyncBN's blocking allreduce (job bn 'sync'), or null. */
  collective: BlockingCollective | null;
  /** Connections to the parameter shards (none when the server is not sharded). */
  parts: ParameterParts;
  /** Where each step's gradients are written: the push frames of the primary and of every shard. */
  pushFrames: PushFrames;
}

/**
 * Runs one data-parallel worker until the parameter server says stop: connects and authenticates, receives the job
 * (model spec, dataset spec, hyper-parameters, rank, world size, seed), builds the model, loads its shard and loops
 * batch → gradients → push → parameters → assign; evaluates its share of val/test when asked. Logs compute and
 * communication ms per step. Reconnects after transport loss and picks up where the PS is.
 * @example
 * const summary = await runWorker({ psUrl: 'ws://10.0.0.1:7070', token: process.env.TF_TOKEN!, handleSignals: true });
 */
export async function runWorker(options: WorkerOptions): Promise<WorkerSummary> {
  if (typeof options.psUrl !== 'string' || !/^wss?:\/\//.test(options.psUrl)) {
    throw new Error(`runWorker: option "psUrl": expected ws://host:port or wss://host:port, got ${JSON.stringify(options.psUrl)}`);
  }
  if (typeof options.token !== 'string' || options.token === '') throw new Error('runWorker: option "token": expected a non-empty string');
  if (options.backend) await selectBackend({ preferred: options.backend });
  let log = (options.logger ?? pino({ level: 'info' }, pino.destination(2))).child({ role: 'worker' });
  let stopping = false;
  const inbox = new Inbox();
  const requestStop = () => {
    stopping = true;
    inbox.wakeUp();
  };
  options.signal?.addEventListener('abort', requestStop);
  const stopSignals: readonly NodeJS.Signals[] = options.handleSignals === true ? ['SIGTERM', 'SIGINT'] : options.handleSignals || [];
  for (const s of stopSignals) process.on(s, requestStop);

  let built: Built | null = null;
  const profile = stepProfiler(process.env[STEP_PROFILE_ENV] === '1');
  const sharedMemory = usesSharedMemory(options.transport ?? 'auto');
  const client: ProtocolClient = await connectProtocolClient({
    url: options.psUrl,
    token: options.token,
    name: options.name ?? `worker-${process.pid}`,
    identity: () => (built ? { rank: built.rank, runId: built.runId } : { rank: options.rank ?? -1, runId: '' }),
    ...(options.tls ? { tls: options.tls } : {}),
    sharedMemory,
    reconnect: options.reconnect ?? { maxAttempts: 4 },
    onRetry: (info) => log.warn(info, logMessages.retrying),
  });
  const fetcher = new DataFileFetcher((m) => client.send(m));
  client.on('message', (m: ServerMessage) => {
    if (m.type === 'file-chunk') return fetcher.receive(m);
    if (m.type === 'params') {
      // Marks of the step whose push these parameters answer: reached the socket, then read and decoded.
      profile.mark('paramsIn', m.step - 1, client.receivedAt);
      profile.mark('paramsRead', m.step - 1);
    }
    inbox.push(m);
  });
  client.on('failed', (e: ProtocolError) => inbox.fail(e));
  client.on('shared-memory', ({ on, reason }: SharedMemoryOutcome) => log.debug({ sharedMemory: on, ...(on ? {} : { reason }) }, 'shared-memory offer answered'));
  client.on('disconnected', (info: { code: number; willReconnect: boolean }) => {
    if (info.code === 1000 && !info.willReconnect) log.debug(info, 'disconnected from the parameter server');
    else log.warn(info, 'disconnected from the parameter server');
  });

  let paramsStep = -1;
  let primaryParams: Float32Array[] = [];
  let steps = 0;
  let computeTotal = 0;
  let commTotal = 0;
  let lastCommMs = 0;

  const build = async (job: JobMessage): Promise<Built> => {
    const spec = validateTrainJobSpec(job.spec);
    if (spec.heartbeatIntervalMs) client.setHeartbeatInterval(spec.heartbeatIntervalMs);
    let model = buildModel(spec.model);
    let collective: BlockingCollective | null = null;
    if (spec.bn === 'sync') {
      collective = await openBlockingCollective({
        url: options.psUrl, token: options.token, rank: job.rank, runId: job.runId, name: `${options.name ?? `worker-${process.pid}`}/collective`,
        ...(options.tls ? { tls: options.tls } : {}), ...(spec.collectiveTimeoutMs ? { timeoutMs: spec.collectiveTimeoutMs } : {}),
      });
      model = await withSyncBatchNorm(model, collective);
    }
    const trainer = createTrainer(model, spec.trainer ?? {});
    const same = (a: number[][], b: number[][]) => a.length === b.length && a.every((s, i) => s.join() === b[i]!.join());
    if (!same(trainer.parameterShapes, job.parameterShapes) || !same(trainer.stateShapes, job.stateShapes)) {
      throw new Error('runWorker: the model built from the job spec has other parameter shapes than the parameter server announced');
    }
    // Data files not on this machine come from the parameter server (once: they are cached by hash).
    const cacheDir = options.cacheDir ?? defaultCacheDir();
    const located = await locateDataFiles(spec.dataFiles ?? [], { cacheDir, fetcher });
    const fromCache = located.filter((f) => f.how !== 'at-path');
    if (fromCache.length) log.info({ fetched: fromCache.filter((f) => f.how === 'fetched').length, cached: fromCache.filter((f) => f.how === 'cached').length, files: fromCache.slice(0, 20).map((f) => f.path) }, 'data files from the cache');
    const data = loadDatasetSpec(spec.dataset, { baseDir: options.baseDir, locate: dataLocator(located, cacheDir) });
    client.shapes = { parameterShapes: job.owned.map((i) => job.parameterShapes[i]!), stateShapes: job.stateShapes };
    const parts = await ParameterParts.connect(job, { token: options.token, name: options.name ?? `worker-${process.pid}`, sharedMemory, ...(options.tls ? { tls: options.tls } : {}) });
    return {
      runId: job.runId, rank: job.rank, worldSize: job.worldSize, stepsPerEpoch: job.stepsPerEpoch, spec, trainer, model,
      data: new ShardData(data, job.rank, job.worldSize, spec.batchSize, spec.dataSeed), collective, parts, pushFrames: new PushFrames(job),
    };
  };

  /** Handles job/params; returns true for a message the caller must act on (barrier, bye). */
  const absorb = (m: ServerMessage): boolean => {
    if (m.type === 'job') return false; // the first one is built by the main loop; later ones (reconnects) repeat it
    if (m.type === 'params') {
      // Sharded: only the primary's part; the full set is assembled before the next step (trainEpoch).
      if (built!.parts.sharded) primaryParams = m.params.map((p) => new Float32Array(p));
      else built!.trainer.setParameters(m.params);
      if (m.states.length) built!.trainer.setStates(m.states);
      client.recycleFrame(m.params); // copied into the model (or primaryParams): its shared-memory buffer may take the next
      paramsStep = m.step;
      return false;
    }
    return true;
  };

  /** Elastic runs: the barrier names this phase's rank and world size; reshard the data when they changed. */
  const adoptMembership = (b: Built, barrier: BarrierMessage): void => {
    if (barrier.rank === undefined || barrier.worldSize === undefined) return;
    if (barrier.rank !== b.data.rank || barrier.worldSize !== b.data.worldSize) {
      b.data = new ShardData(b.data.data, barrier.rank, barrier.worldSize, b.spec.batchSize, b.spec.dataSeed);
      log.info({ epoch: barrier.epoch, newRank: barrier.rank, worldSize: barrier.worldSize }, 'membership changed; data resharded'); // `rank` is bound: the old one
    }
  };

  /** The next step's batch, cut while the server waits for the other workers (disposed if a barrier intervenes). */
  let prefetched: { epoch: number; index: number; x: tf.Tensor; labels: tf.Tensor1D } | null = null;
  const dropPrefetched = () => {
    if (prefetched) tf.dispose([prefetched.x, prefetched.labels]);
    prefetched = null;
  };
  const batchAt = (b: Built, epoch: number, index: number): { x: tf.Tensor; labels: tf.Tensor1D } => {
    if (prefetched && prefetched.epoch === epoch && prefetched.index === index) {
      const { x, labels } = prefetched;
      prefetched = null;
      return { x, labels };
    }
    dropPrefetched();
    return b.data.trainBatch(epoch, index);
  };

  const trainEpoch = async (b: Built, barrier: BarrierMessage): Promise<void> => {
    dropPrefetched(); // cut for another phase (or another rank's shard, after a membership change)
    adoptMembership(b, barrier);
    // Elastic epochs start at barrier.step and last barrier.steps steps; fixed ones are stepsPerEpoch long.
    const start = barrier.steps !== undefined ? barrier.step : barrier.epoch * b.stepsPerEpoch;
    const end = barrier.steps !== undefined ? barrier.step + barrier.steps : (barrier.epoch + 1) * b.stepsPerEpoch;
    while (paramsStep < end && !stopping) {
      const s = paramsStep;
      if (b.parts.sharded) {
        // Waiting for the shards' parts and assigning them end the previous step's communication.
        const a0 = performance.now();
        let t = profile.now();
        const all = await b.parts.assemble(s, primaryParams);
        t = profile.lap('wait', t);
        b.trainer.setParameters(all);
        profile.lap('assign', t);
        const assembleMs = performance.now() - a0;
        if (steps > 0) {
          lastCommMs += assembleMs;
          commTotal += assembleMs;
        }
      }
      const t0 = performance.now();
      const { x, labels } = batchAt(b, barrier.epoch, s - start);
      const t1 = performance.now();
      profile.add('prepare', t1 - t0);
      b.collective?.beginStep(s);
      // Dropout masks keyed by (rank, step): each worker draws its own, and a resumed run draws what it would have.
      positionMaskStreams(b.model, `${b.data.rank}/${s}`);
      // The gradients go straight into this step's push frames (one copy off the backend, no per-step arrays).
      const push = b.pushFrames.begin();
      const { loss, correct } = b.trainer.computeGradients(x, labels, push.gradInto);
      tf.dispose([x, labels]);
      b.trainer.getStates().forEach((state, k) => push.stateInto[k]!.set(state));
      const computed = performance.now();
      const computeMs = computed - t1;
      profile.add('compute', computeMs);
      let t = profile.now();
      const frames = push.seal({ step: s, loss, count: b.spec.batchSize, correct, computeMs, commMs: lastCommMs });
      t = profile.lap('serialize', t);
      frames.forEach(({ frame, hold }, k) => {
        const release = hold();
        if (k === 0) {
          if (!client.sendFrame(frame, release)) release();
        } else b.parts.sendFrame(k - 1, frame, release);
      });
      push.done();
      const sent = profile.lap('send', t);
      profile.mark('pushed', s);
      // Overlap: cut the next batch now, while the server waits for the slowest worker; its time is not communication.
      let overlapMs = 0;
      if (s + 1 < end) {
        const p0 = performance.now();
        prefetched = { epoch: barrier.epoch, index: s + 1 - start, ...b.data.trainBatch(barrier.epoch, s + 1 - start) };
        overlapMs = performance.now() - p0;
        profile.add('prepare', overlapMs);
      }
      for (;;) {
        const m = await inbox.next(() => false);
        if (!m) return;
        const arrived = profile.now();
        if (!absorb(m)) {
          if (paramsStep > s) {
            profile.add('wait', arrived - sent - overlapMs);
            profile.lap('assign', arrived);
            profile.mark('assigned', s);
            break;
          }
          continue;
        }
        inbox.unshift(m); // a barrier (after a reconnect) or bye supersedes this phase
        return;
      }
      // Communication: from the end of the compute (sealing and sending the push included) until the new parameters
      // are in the model, less the next batch's preparation done meanwhile.
      lastCommMs = Math.max(0, performance.now() - computed - overlapMs);
      steps += 1;
      profile.stepDone();
      computeTotal += computeMs;
      commTotal += lastCommMs;
      log.debug({ step: s, epoch: barrier.epoch, batch: s - start, loss, dataMs: t1 - t0, computeMs, commMs: lastCommMs }, 'step');
    }
  };

  const evaluate = (b: Built, barrier: BarrierMessage): void => {
    const split = barrier.action === 'validate' ? b.data.data.val : b.data.data.test;
    let loss = 0, top1 = 0, top5 = 0, count = 0;
    if (split) {
      for (const { x, labels } of b.data.evalBatches(split, b.spec.evalBatchSize ?? 500)) {
        const r = b.trainer.evaluate(x, labels);
        tf.dispose([x, labels]);
        loss += r.loss * r.count;
        top1 += r.top1 * r.count;
        top5 += r.top5 * r.count;
        count += r.count;
      }
    }
    const mean = (v: number) => (count ? v / count : 0);
    client.send({
      type: 'metrics', step: barrier.step, epoch: barrier.epoch, split: barrier.action === 'validate' ? 'val' : 'test',
      loss: mean(loss), top1: mean(top1), top5: mean(top5), count,
    });
  };

  let ended: WorkerSummary['ended'] = 'done';
  try {
    for (;;) {
      const m = await inbox.next(() => stopping);
      if (!m) {
        ended = 'stopped';
        break;
      }
      if (m.type === 'job' && !built) {
        built = await build(m);
        log = log.child({ rank: m.rank, run: m.runId });
        log.info({ worldSize: m.worldSize, stepsPerEpoch: m.stepsPerEpoch, step: m.step, bn: built.spec.bn ?? 'local' }, logMessages.workerReady);
        continue;
      }
      if (!absorb(m)) continue;
      if (m.type === 'bye') {
        // Only a stop barrier means the run completed; a bye without one is a run stopped early.
        log.warn({ reason: m.reason }, 'the parameter server ended the run before it completed');
        ended = 'stopped';
        break;
      }
      if (m.type !== 'barrier') continue;
      if (m.action === 'stop') break;
      if (m.action === 'wait') continue; // an elastic joiner: the next epoch's barrier gives it a rank
      if (m.action === 'train') await trainEpoch(built!, m);
      else {
        if (built!.parts.sharded) built!.trainer.setParameters(await built!.parts.assemble(paramsStep, primaryParams));
        adoptMembership(built!, m);
        evaluate(built!, m);
      }
      if (stopping) {
        ended = 'stopped';
        break;
      }
    }
  } finally {
    options.signal?.removeEventListener('abort', requestStop);
    for (const s of stopSignals) process.off(s, requestStop);
    dropPrefetched();
    client.close(ended === 'stopped' ? 'stopped by signal' : 'done');
    const b = built as Built | null;
    await b?.collective?.close();
    b?.parts.close(ended === 'stopped' ? 'stopped by signal' : 'done');
    b?.trainer.dispose();
    b?.model.dispose();
  }
  const b = built as Built | null;
  const summary: WorkerSummary = {
    runId: b?.runId ?? '', rank: b?.rank ?? -1, worldSize: b?.worldSize ?? 0, steps, ended,
    computeMsPerStep: steps ? computeTotal / steps : 0, commMsPerStep: steps ? commTotal / steps : 0,
  };
  const { runId: _run, rank: _rank, ...rest } = summary; // the logger binds run and rank already
  log.info(rest, 'worker finished');
  const profiled = profile.report();
  if (profiled) log.info({ profile: profiled }, logMessages.stepProfile);
  return summary;
}
