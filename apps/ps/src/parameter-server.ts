import { randomUUID } from 'node:crypto';
import pino from 'pino';
import {
  buildModel, createOptimizer, createScheduler, createTrainer, loadDatasetSpec,
  type LRScheduler, type NormalizationStats, type Optimizer, type Trainer,
} from '@tensorfleet/core';
import {
  connectProtocolClient, createProtocolServer, encodeMessage, maxPayloadFor, ProtocolError,
  type BarrierMessage, type MetricsMessage, type Outgoing, type Peer, type PushMessage, type ServerMessage,
} from '@tensorfleet/protocol';
import { combineMetrics, meanInRankOrder, type CombinedMetrics } from './aggregate.js';
import { readLatestCheckpoint, writeCheckpoint } from './checkpoint.js';
import { CollectiveHub } from './collective-hub.js';
import { StalenessGate } from './consistency.js';
import { partitionParameters } from './partition.js';
import { connectShards, type ShardLink } from './shard-link.js';
import { resolveOptions, type ParameterServerOptions } from './options.js';

/** One epoch's record in the summary and the logs. */
export interface EpochSummary {
  epoch: number;
  steps: number;
  /** Mean over the epoch's steps of the workers' mean training loss (regularization included). */
  trainLoss: number;
  val: CombinedMetrics | null;
  /** Learning rate used during the epoch. */
  lr: number;
  seconds: number;
  samplesPerSec: number;
  /** Fraction of the epoch's training samples predicted right (training mode, dropout on). */
  trainAccuracy: number;
  computeMsPerStep: number;
  commMsPerStep: number;
  /** Gradients applied this epoch (W per step in async/ssp, 1 per step in sync). */
  updates: number;
  /** Staleness of the applied gradients: optimizer updates between the worker's parameters and the apply. */
  staleness: { max: number; mean: number };
}

/** What a finished run returns. */
export interface TrainingSummary {
  runId: string;
  worldSize: number;
  /** Global steps done (async/ssp: steps of the slowest worker). */
  steps: number;
  /** Optimizer updates applied. */
  updates: number;
  consistency: string;
  epochs: EpochSummary[];
  test: CombinedMetrics | null;
  wallSeconds: number;
  /** Last checkpoint folder (model.json + weights.bin + normalization.json + state.msgpack), or null. */
  checkpoint: string | null;
  normalization: NormalizationStats | null;
  parameterNames: string[];
  parameters: Float32Array[];
  states: Float32Array[];
}

/** Handle of a running parameter server. */
export interface ParameterServerHandle {
  port: number;
  /** ws://host:port (wss:// with TLS) for the workers. */
  url: string;
  runId: string;
  /** Resolves with the summary when training is over; rejects if the run fails (lost worker, close()). */
  done: Promise<TrainingSummary>;
  /** Copies of the current step, parameters and BN states (for tests and monitoring). */
  snapshot(): { step: number; epoch: number; parameters: Float32Array[]; states: Float32Array[] };
  /** Stops the server; an unfinished run's `done` rejects. */
  close(): Promise<void>;
}

interface Waiter<T> {
  kind: 'push' | 'metrics';
  step: number;
  split?: string;
  got: Map<number, T>;
  resolve: (v: T[]) => void;
  reject: (e: Error) => void;
}

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
  const o = resolveOptions(options);
  const { job } = o;
  const W = o.workers;
  const started = performance.now();

  const data = loadDatasetSpec(job.dataset, { baseDir: o.baseDir });
  const perWorker = Math.ceil(data.train.count / W);
  const stepsPerEpoch = Math.min(Math.floor(perWorker / job.batchSize), job.maxStepsPerEpoch ?? Infinity);
  if (stepsPerEpoch < 1) {
    throw new Error(`startParameterServer: a shard of ${perWorker} training samples per worker holds no full batch of ${job.batchSize}`);
  }

  const model = buildModel(job.model);
  const trainer: Trainer = createTrainer(model, job.trainer ?? {});
  const parameters = trainer.getParameters();
  let states = trainer.getStates();
  // Sharded servers: this (primary) server owns part 0 of a size-balanced partition, each shard one other part.
  const parts = partitionParameters(trainer.parameterShapes, o.shards.length + 1);
  const owned = parts[0]!;
  const ownedParameters = owned.map((i) => parameters[i]!);
  const optimizer: Optimizer = createOptimizer(o.optimizer.name, ownedParameters, o.optimizer.options as never);
  const scheduler: LRScheduler | null = o.scheduler ? createScheduler(o.scheduler.name, optimizer, (o.scheduler.options ?? {}) as never) : null;

  let runId = o.runId ?? randomUUID();
  let step = 0;
  let epoch = 0;
  const history: EpochSummary[] = [];
  let lastCheckpoint: string | null = null;
  let resumedFrom = '';
  if (o.resume && o.checkpoint) {
    const ckpt = readLatestCheckpoint(o.checkpoint.dir);
    if (ckpt) {
      const s = ckpt.state;
      if (s.dataSeed !== job.dataSeed) throw new Error(`resume: checkpoint ${ckpt.path} has dataSeed ${s.dataSeed}, the job ${job.dataSeed}`);
      // (An elastic run's epochs vary in length with the membership, so its steps do not map onto epochs this way.)
      if (!o.elastic && (s.step < s.epoch * stepsPerEpoch || s.step > (s.epoch + 1) * stepsPerEpoch)) {
        throw new Error(
          `resume: checkpoint ${ckpt.path} is at step ${s.step} of epoch ${s.epoch}, which does not fit ${stepsPerEpoch} steps per epoch ` +
            `(world size or batch size changed?)`,
        );
      }
      trainer.setParameters(s.parameters); // validates counts and shapes against this model
      s.parameters.forEach((p, i) => parameters[i]!.set(p));
      trainer.setStates(s.states);
      states = s.states.map((t) => new Float32Array(t));
      optimizer.loadStateDict(s.optimizer);
      if (scheduler && s.scheduler) scheduler.loadStateDict(s.scheduler);
      runId = s.runId;
      step = s.step;
      epoch = s.epoch;
      history.push(...(s.history as EpochSummary[]));
      lastCheckpoint = ckpt.path;
      resumedFrom = o.checkpoint.dir;
    }
  }
  const log = (o.logger ?? pino({ level: 'info' }, pino.destination(2))).child({ role: 'ps', run: runId });

  const shapes = { parameterShapes: trainer.parameterShapes, stateShapes: trainer.stateShapes };
  const shards: ShardLink[] = await connectShards(o.shards, {
    token: o.token, runId, parts: parts.slice(1), parameters, shapes: shapes.parameterShapes, workers: W, stepsPerEpoch, step, epoch,
    lr: optimizer.lr, optimizer: o.optimizer, resumeDir: resumedFrom, onLost: (e) => failRun(e),
  });
  const server = await createProtocolServer({
    token: o.token, host: o.host, port: o.port, tls: o.tls, maxPayload: maxPayloadFor(shapes.parameterShapes, shapes.stateShapes),
    ...(o.heartbeatTimeoutMs ? { idleTimeoutMs: o.heartbeatTimeoutMs } : {}),
  });
  // Pushes and params of this server carry only its own part.
  server.shapes = { parameterShapes: owned.map((i) => shapes.parameterShapes[i]!), stateShapes: shapes.stateShapes };
  /** Copies every shard's current part into `parameters` (and writes their checkpoint parts when `dir` is given). */
  const gatherShards = async (dir = '') => {
    await Promise.all(shards.map(async (link) => (await link.snapshot(step, epoch, dir)).forEach((p, j) => parameters[link.parameters[j]!]!.set(p))));
  };

  // slots[rank] = the worker holding that rank (in elastic runs: this epoch's members; undefined once evicted).
  let slots: (Peer | undefined)[] = new Array(W).fill(undefined);
  /** Elastic runs: workers that joined mid-epoch, waiting for the next epoch. */
  const lobby: Peer[] = [];
  let trainingStarted = false;
  let joinedSomeone: () => void = () => {};
  const rejoinTimers = new Map<number, NodeJS.Timeout>();
  let barrier: Outgoing<BarrierMessage> | null = null;
  let waiter: Waiter<PushMessage> | Waiter<MetricsMessage> | null = null;
  let failRun: (e: Error) => void = () => {};
  let allJoined: () => void = () => {};
  const joined = new Promise<void>((r) => (allJoined = r));
  let finished = false;
  let updates = 0;
  // async/ssp: the current epoch's gate and accounting; versionSent[r] = updates when rank r last got parameters.
  let gate: StalenessGate | null = null;
  let epochDone: (() => void) | null = null;
  const versionSent: number[] = new Array(W).fill(0);
  const latestStates: (Float32Array[] | undefined)[] = new Array(W).fill(undefined);
  const epochStats = { loss: 0, computeMs: 0, commMs: 0, samples: 0, correct: 0, pushes: 0, staleMax: 0, staleSum: 0 };

  const paramsMessage = (): Outgoing<ServerMessage> => ({ type: 'params', step, epoch, lr: optimizer.lr, params: ownedParameters, states });
  /** Parameters for one rank: in async/ssp its `step` is that worker's own clock (the next step it computes). */
  const paramsFor = (rank: number): Outgoing<ServerMessage> => {
    versionSent[rank] = updates;
    return gate ? { ...paramsMessage(), step: gate.clocks[rank]! } as Outgoing<ServerMessage> : paramsMessage();
  };
  const jobMessage = (rank: number): Outgoing<ServerMessage> => ({
    type: 'job', runId, rank, worldSize: W, seed: job.dataSeed, step, epoch, stepsPerEpoch,
    spec: (o.heartbeatTimeoutMs ? { ...job, heartbeatIntervalMs: Math.max(100, Math.floor(o.heartbeatTimeoutMs / 3)) } : job) as unknown as Record<string, unknown>,
    ...shapes, owned, shards: shards.map((link) => ({ url: link.url, parameters: link.parameters })),
  });
  const broadcast = (message: Outgoing<ServerMessage>) => {
    const frame = encodeMessage(message); // encoded once for all workers
    for (const peer of slots) if (peer?.isOpen) peer.socket.send(frame);
  };

  const hub = new CollectiveHub(W, log);
  const admit = (peer: Peer) => {
    const { hello } = peer;
    if (finished) return peer.fail(new ProtocolError('unexpected-message', 'the run is over'));
    if (hello.runId !== '' && hello.runId !== runId) {
      return peer.fail(new ProtocolError('bad-field', `worker belongs to run "${hello.runId}", this server runs "${runId}"`));
    }
    if (hello.role === 'collective') {
      if (job.bn !== 'sync') return peer.fail(new ProtocolError('unexpected-message', 'this job does not use SyncBN (bn: "sync"), so it has no collective'));
      if (hello.runId !== runId || hello.rank < 0 || hello.rank >= W) {
        return peer.fail(new ProtocolError('bad-field', `a collective connection must name this run and a rank in [0, ${W - 1}], got run "${hello.runId}" rank ${hello.rank}`));
      }
      return hub.attach(hello.rank, peer);
    }
    const waitForEpoch = o.elastic && trainingStarted;
    const rank = waitForEpoch ? -1 : hello.rank >= 0 && hello.rank < W && !slots[hello.rank] && hello.runId === runId ? hello.rank : slots.findIndex((s) => !s);
    if (rank < 0 && !waitForEpoch) return peer.fail(new ProtocolError('unexpected-message', `all ${W} worker slots are taken`));
    if (waitForEpoch) lobby.push(peer);
    else slots[rank] = peer;
    clearTimeout(rejoinTimers.get(rank));
    rejoinTimers.delete(rank);
    const wlog = log.child({ name: hello.name });
    wlog.info({ remote: peer.remoteAddress, rank, waitingForNextEpoch: waitForEpoch }, 'worker joined');
    peer.on('message', (m: PushMessage | MetricsMessage | { type: string }) => onMessage(slots.indexOf(peer), peer, m));
    peer.on('rejected', (e: ProtocolError) => wlog.warn({ code: e.code, err: e.message }, 'refused a message; connection closed'));
    peer.on('close', (code: number) => {
      if (lobby.includes(peer)) lobby.splice(lobby.indexOf(peer), 1);
      const rank = slots.indexOf(peer);
      if (rank < 0) return;
      slots[rank] = undefined;
      if (finished) return;
      if (o.elastic && trainingStarted) {
        wlog.warn({ code, rank, step, epoch }, 'worker evicted; the step barrier goes on with the others');
        settleWaiter();
        return;
      }
      wlog.warn({ code }, `worker lost; waiting ${o.rejoinTimeoutMs} ms for it to reconnect`);
      rejoinTimers.set(rank, setTimeout(() => failRun(new Error(`worker rank ${rank} lost and not back within ${o.rejoinTimeoutMs} ms`)), o.rejoinTimeoutMs));
    });
    peer.send(jobMessage(Math.max(rank, 0)));
    peer.send(paramsFor(Math.max(rank, 0))); // a joiner holds the current parameters before its first push
    if (waitForEpoch) peer.send({ type: 'barrier', step, epoch, action: 'wait' });
    else if (barrier) peer.send(barrier);
    if (slots.every(Boolean)) allJoined();
    joinedSomeone();
  };
  server.on('peer', admit);
  server.on('rejected', (e: ProtocolError, remote: string) => log.warn({ code: e.code, remote, err: e.message }, 'refused'));

  const onMessage = (rank: number, peer: Peer, m: PushMessage | MetricsMessage | { type: string }) => {
    if (m.type === 'bye') return;
    if (m.type === 'pull') {
      peer.send(paramsFor(Math.max(rank, 0)));
      return;
    }
    if (rank < 0) return; // an elastic joiner is not a member before the next epoch: its pushes do not count
    if (m.type === 'push' && o.consistency.kind !== 'sync') return applyOnArrival(rank, peer, m as PushMessage);
    if (m.type === 'push' || m.type === 'metrics') {
      const msg = m as PushMessage | MetricsMessage;
      if (msg.type === 'push' && msg.step < step) return; // a re-push after a reconnect, already applied
      const expected = waiter && waiter.kind === msg.type && waiter.step === msg.step && (msg.type !== 'metrics' || waiter.split === msg.split);
      if (!expected) {
        const want = waiter ? `${waiter.kind} of step ${waiter.step}${waiter.split ? ` (${waiter.split})` : ''}` : 'nothing';
        peer.fail(new ProtocolError('unexpected-message', `got ${msg.type} of step ${msg.step}, the server expects ${want}`));
        return;
      }
      (waiter!.got as Map<number, PushMessage | MetricsMessage>).set(rank, msg);
      settleWaiter();
    }
  };

  /** Ranks whose messages completed the last collect (elastic runs: the members that were still there). */
  let collectedRanks: number[] = [];
  /** Resolves the waiter once every rank (elastic: every member still present) has answered, in rank order. */
  function settleWaiter(): void {
    const w = waiter as Waiter<unknown> | null;
    if (!w) return;
    const complete = o.elastic && trainingStarted ? slots.every((p, r) => !p || w.got.has(r)) : w.got.size === W;
    if (!complete) return;
    waiter = null;
    collectedRanks = [...w.got.keys()].sort((a, b) => a - b);
    w.resolve(collectedRanks.map((r) => w.got.get(r)!));
  }

  /** async/ssp: applies one worker's gradient now, then lets go whoever the staleness bound allows. */
  const applyOnArrival = (rank: number, peer: Peer, m: PushMessage) => {
    const clock = gate?.clocks[rank];
    if (clock !== undefined && m.step < clock) return; // a re-push after a reconnect, already applied
    if (!gate || m.step !== clock || clock >= gate.end) {
      const want = gate ? `step ${clock} (epoch ends at ${gate.end})` : 'no push (between epochs)';
      peer.fail(new ProtocolError('unexpected-message', `got push of step ${m.step} from rank ${rank}, the server expects ${want}`));
      return;
    }
    const staleness = updates - versionSent[rank]!;
    optimizer.step(m.grads);
    updates += 1;
    if (m.states.length) {
      latestStates[rank] = m.states.map((t) => new Float32Array(t));
      states = meanInRankOrder(latestStates.filter((x): x is Float32Array[] => x !== undefined));
    }
    const before = gate.minClock;
    gate.pushed(rank);
    Object.assign(epochStats, {
      loss: epochStats.loss + m.loss, computeMs: epochStats.computeMs + m.computeMs, commMs: epochStats.commMs + m.commMs,
      samples: epochStats.samples + m.count, correct: epochStats.correct + m.correct, pushes: epochStats.pushes + 1,
      staleMax: Math.max(epochStats.staleMax, staleness), staleSum: epochStats.staleSum + staleness,
    });
    log.info({ rank, step: m.step, update: updates, staleness, minStep: gate.minClock, loss: m.loss }, 'gradient applied');
    step = gate.minClock;
    if (gate.minClock > before) {
      if (step % stepsPerEpoch === 0) epoch = step / stepsPerEpoch;
      o.onStep?.({ step, epoch, stepsPerEpoch, loss: m.loss });
    }
    for (const r of gate.release()) slots[r]?.send(paramsFor(r));
    if (gate.done) epochDone?.();
  };

  function collect<T>(kind: 'push' | 'metrics', atStep: number, split?: string): Promise<T[]> {
    return new Promise<T[]>((resolve, reject) => {
      waiter = { kind, step: atStep, split, got: new Map(), resolve, reject } as unknown as Waiter<PushMessage>;
    });
  }

  const checkpoint = async () => {
    if (!o.checkpoint) return;
    await gatherShards(o.checkpoint.dir);
    trainer.setParameters(parameters);
    trainer.setStates(states);
    lastCheckpoint = await writeCheckpoint(o.checkpoint.dir, model, data.normalization, {
      runId, step, epoch, dataSeed: job.dataSeed, parameters, states, optimizer: optimizer.stateDict(),
      scheduler: scheduler ? scheduler.stateDict() : null, history,
    }, o.checkpoint.keep);
    log.info({ step, epoch, path: lastCheckpoint }, 'checkpoint written');
  };

  const evaluate = async (split: 'val' | 'test'): Promise<CombinedMetrics> => {
    const pending = collect<MetricsMessage>('metrics', step, split);
    barrier = { type: 'barrier', step, epoch, action: split === 'val' ? 'validate' : 'test' };
    if (o.elastic) {
      slots = slots.filter(Boolean); // the members still there share the split
      slots.forEach((p, r) => p!.send({ ...barrier!, rank: r, worldSize: slots.length }));
      settleWaiter(); // nobody left: nothing to wait for
    } else broadcast(barrier);
    return combineMetrics(await pending);
  };

  /**
   * Elastic runs, at an epoch start: the members still there keep their order, the joiners follow; waits (up to
   * rejoinTimeoutMs) for at least minWorkers. Each member gets the parameters, its rank, the world size and the epoch's
   * steps (the data is resharded over the members). Returns the number of steps of the epoch.
   */
  const formEpochMembership = async (): Promise<number> => {
    const deadline = Date.now() + o.rejoinTimeoutMs;
    while (slots.filter(Boolean).length + lobby.length < o.minWorkers) {
      if (Date.now() > deadline) throw new Error(`epoch ${epoch}: fewer than ${o.minWorkers} workers, and not enough joined within ${o.rejoinTimeoutMs} ms`);
      await Promise.race([new Promise<void>((r) => (joinedSomeone = r)), new Promise((r) => setTimeout(r, 1000)), failure]);
    }
    slots = [...slots.filter(Boolean), ...lobby.splice(0)];
    const worldSize = slots.length;
    const steps = Math.min(Math.floor(Math.ceil(data.train.count / worldSize) / job.batchSize), job.maxStepsPerEpoch ?? Infinity);
    if (steps < 1) throw new Error(`epoch ${epoch}: a shard of ${data.train.count} samples over ${worldSize} workers holds no full batch`);
    log.info({ epoch, step, worldSize, steps, members: slots.map((p) => p!.hello.name) }, 'epoch membership');
    const params = encodeMessage(paramsMessage());
    slots.forEach((p, rank) => {
      p!.socket.send(params);
      p!.send({ ...barrier!, rank, worldSize, steps });
    });
    return steps;
  };

  const train = async (): Promise<TrainingSummary> => {
    await joined;
    trainingStarted = true;
    log.info({ workers: W, stepsPerEpoch, step, epoch, elastic: o.elastic }, 'all workers joined; training');
    const lastEpochs = job.epochs;
    while (epoch < lastEpochs) {
      const t0 = performance.now();
      const firstStep = step;
      const lr = optimizer.lr;
      let lossSum = 0, computeMs = 0, commMs = 0, samples = 0, correct = 0;
      barrier = { type: 'barrier', step, epoch, action: 'train' };
      for (const link of shards) link.epoch(step, epoch, optimizer.lr); // the shards' learning rate from this step on
      let endStep = (epoch + 1) * stepsPerEpoch;
      if (o.elastic) endStep = step + (await formEpochMembership());
      else if (o.consistency.kind === 'sync') broadcast(barrier);
      const firstUpdate = updates;
      Object.assign(epochStats, { loss: 0, computeMs: 0, commMs: 0, samples: 0, correct: 0, pushes: 0, staleMax: 0, staleSum: 0 });
      if (o.consistency.kind === 'sync') {
        while (step < endStep) {
          const pushes = await collect<PushMessage>('push', step);
          if (pushes.length === 0) {
            log.warn({ step, epoch }, 'every member of the epoch left; the epoch ends early');
            break;
          }
          const grads = meanInRankOrder(pushes.map((p) => p.grads));
          // SyncBN: every rank's running statistics come from the same global batch, so rank 0's are everyone's.
          if (states.length > 0) states = job.bn === 'sync' ? pushes[0]!.states.map((t) => new Float32Array(t)) : meanInRankOrder(pushes.map((p) => p.states));
          optimizer.step(grads);
          if (o.elastic) {
            log.info({ step, epoch, ranks: collectedRanks, samples: pushes.reduce((s, p) => s + p.count, 0) }, 'step applied');
          }
          step += 1;
          const n = pushes.length;
          lossSum += pushes.reduce((s, p) => s + p.loss, 0) / n;
          computeMs += pushes.reduce((s, p) => s + p.computeMs, 0) / n;
          commMs += pushes.reduce((s, p) => s + p.commMs, 0) / n;
          samples += pushes.reduce((s, p) => s + p.count, 0);
          correct += pushes.reduce((s, p) => s + p.correct, 0);
          if (step === endStep) epoch += 1;
          // Checkpoint before the workers go on, so parameter shards are still at this step when snapshotted.
          // Elastic epochs are re-formed on resume, so an elastic run checkpoints at epoch ends only (no sample seen twice).
          if (!o.elastic && o.checkpoint?.everySteps && step % o.checkpoint.everySteps === 0 && step !== endStep) await checkpoint();
          broadcast(paramsMessage());
          o.onStep?.({ step, epoch, stepsPerEpoch, loss: pushes.reduce((sum, p) => sum + p.loss, 0) / n });
        }
        if (step < endStep) epoch += 1; // an elastic epoch cut short
        epochStats.pushes = (step - firstStep) * W;
        updates += step - firstStep;
      } else {
        gate = new StalenessGate(W, step, endStep, o.consistency.kind === 'ssp' ? o.consistency.bound : Infinity);
        const finishedEpoch = new Promise<void>((r) => (epochDone = r));
        for (let r = 0; r < W; r++) slots[r]?.send(paramsFor(r)); // every worker starts the epoch from the newest parameters
        broadcast(barrier);
        await Promise.race([finishedEpoch, failure]);
        ({ loss: lossSum, computeMs, commMs, samples, correct } = epochStats);
        lossSum = (lossSum / epochStats.pushes) * (step - firstStep); // per-push mean, scaled as the sync path's per-step sum
        computeMs = (computeMs / epochStats.pushes) * (step - firstStep);
        commMs = (commMs / epochStats.pushes) * (step - firstStep);
        gate = null;
        epoch = step / stepsPerEpoch;
      }
      const steps = step - firstStep;
      const val = job.evaluateVal === false || !data.val ? null : await evaluate('val');
      const trainLoss = lossSum / Math.max(1, steps);
      if (scheduler) {
        if (o.scheduler?.name === 'reduceLROnPlateau') (scheduler as unknown as { step(m: number): void }).step(val ? val.loss : trainLoss);
        else (scheduler as unknown as { step(): void }).step();
      }
      const seconds = (performance.now() - t0) / 1000;
      const summary: EpochSummary = {
        epoch: epoch - 1, steps, trainLoss, trainAccuracy: samples ? correct / samples : 0, val, lr, seconds, samplesPerSec: samples / seconds,
        computeMsPerStep: computeMs / Math.max(1, steps), commMsPerStep: commMs / Math.max(1, steps),
        updates: updates - firstUpdate,
        staleness: { max: epochStats.staleMax, mean: epochStats.staleSum / Math.max(1, epochStats.pushes) },
      };
      history.push(summary);
      // Flat fields, one line per epoch: what `tensorfleet logs`, the HPO coordinator and people read.
      log.info({
        epoch: summary.epoch, step, loss: trainLoss, accuracy: summary.trainAccuracy, valLoss: val?.loss ?? null, valAccuracy: val?.top1 ?? null,
        valTop5: val?.top5 ?? null, lr, nextLr: optimizer.lr, samplesPerSec: summary.samplesPerSec,
        computeMs: summary.computeMsPerStep, commMs: summary.commMsPerStep, seconds, consistency: o.consistency.kind, samples,
        updates: summary.updates, stalenessMax: summary.staleness.max, stalenessMean: summary.staleness.mean,
      }, 'epoch');
      await checkpoint();
    }
    const test = job.evaluateTest === false || !data.test ? null : await evaluate('test');
    await gatherShards();
    for (const link of shards) link.stop();
    if (test) log.info({ test }, 'test evaluation');
    finished = true;
    barrier = { type: 'barrier', step, epoch, action: 'stop' };
    broadcast(barrier);
    for (const peer of lobby) peer.send(barrier);
    for (const peer of [...slots, ...lobby]) peer?.close('training done');
    return {
      runId, worldSize: W, steps: step, updates, consistency: o.consistency.kind === 'ssp' ? `ssp:${o.consistency.bound}` : o.consistency.kind, epochs: history, test, wallSeconds: (performance.now() - started) / 1000,
      checkpoint: lastCheckpoint, normalization: data.normalization, parameterNames: trainer.parameterNames,
      parameters: parameters.map((p) => new Float32Array(p)), states: states.map((s) => new Float32Array(s)),
    };
  };

  const failure = new Promise<never>((_, reject) => {
    failRun = (e: Error) => {
      if (finished) return;
      finished = true;
      log.error({ err: e.message }, 'run failed');
      (waiter as Waiter<unknown> | null)?.reject(e);
      reject(e);
    };
  });
  failure.catch(() => {});
  const done = Promise.race([train(), failure]).finally(async () => {
    for (const link of shards) link.close();
    for (const t of rejoinTimers.values()) clearTimeout(t);
    await server.close();
    trainer.dispose();
    model.dispose();
  });
  done.catch(() => {});

  return {
    port: server.port,
    url: server.url,
    runId,
    done,
    snapshot: () => ({ step, epoch, parameters: parameters.map((p) => new Float32Array(p)), states: states.map((s) => new Float32Array(s)) }),
    close: async () => {
      failRun(new Error('parameter server closed before training finished'));
      await done.catch(() => {});
    },
  };
}
