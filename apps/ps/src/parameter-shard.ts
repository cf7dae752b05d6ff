import { mkdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import { Packr } from 'msgpackr';
import { createOptimizer, type Optimizer, type OptimizerName } from '@tensorfleet/core';
import {
  createProtocolServer, logMessages, usesSharedMemory, TensorFrameWriter, ProtocolError, STEP_PROFILE_ENV, stepProfiler, type ControlMessage, type Peer,
  type PushMessage,
} from '@tensorfleet/protocol';
import { RankOrderMean } from './rank-order-mean.js';
import { offerSharedMemory } from './shared-memory-offer.js';
import { sendParams } from './run-messages.js';
import { writeFileAtomicSync } from './atomic-file.js';

const packr = new Packr({ moreTypes: true, useRecords: false });

/** Options of {@link startParameterShard}. */
export interface ParameterShardOptions {
  token: string;
  host?: string;
  port?: number;
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** Largest accepted frame; default 256 MiB. */
  maxPayload?: number;
  logger?: Logger;
}

/** Handle of a running parameter shard. */
export interface ParameterShardHandle {
  url: string;
  port: number;
  /** Resolves when the primary says stop (or the primary's connection is lost: rejects). */
  done: Promise<void>;
  close(): Promise<void>;
}

/** Where a shard keeps its checkpoint part inside the run's checkpoint folder. */
export function shardPartPath(dir: string, shard: number, step: number): string {
  return join(dir, `shard-${shard}`, `part-${String(step).padStart(9, '0')}.msgpack`);
}

/**
 * A secondary parameter server of a sharded run: owns some parameter tensors and their optimizer state. The primary
 * (startParameterServer with `shards`) connects as role 'primary' and drives it with control messages (init with the
 * part's initial values and optimizer, the learning rate of each epoch, snapshots/checkpoint parts, stop). Workers
 * connect as for the primary and, every step, push the gradients of this part; when all W have, the shard averages
 * them in rank order, applies its optimizer and sends the new part to every worker. Updates are elementwise per
 * tensor, so a sharded run computes exactly what one server would.
 * @example
 * const shard = await startParameterShard({ token, port: 7071 });
 * await startParameterServer({ token, workers: 2, job, shards: [shard.url] });
 */
export async function startParameterShard(options: ParameterShardOptions): Promise<ParameterShardHandle> {
  if (!options.token) throw new Error('startParameterShard: option "token": expected a non-empty string');
  const baseLog = options.logger ?? pino({ level: 'info' }, pino.destination(2));
  let log = baseLog.child({ role: 'ps-shard' });
  const server = await createProtocolServer({
    token: options.token, host: options.host, port: options.port, tls: options.tls, maxPayload: options.maxPayload ?? 256 << 20,
  });
  let init: (ControlMessage & { shard: number }) | null = null;
  let params: Float32Array[] = [];
  let optimizer: Optimizer | null = null;
  let step = 0;
  let epoch = 0;
  let lrSince = -1;
  let deferredSnapshot: { peer: Peer; m: ControlMessage } | null = null;
  const slots = new Map<number, Peer>();
  /** Ranks whose push of the current step is in; their gradients are folded into `mean` as they arrive. */
  const pending = new Set<number>();
  const mean = new RankOrderMean();
  const profile = stepProfiler(process.env[STEP_PROFILE_ENV] === '1');
  let arrivalSum = 0;
  let writer: TensorFrameWriter<'params'> | null = null;
  let finish: (error?: Error) => void = () => {};
  const done = new Promise<void>((resolve, reject) => (finish = (e) => (e ? reject(e) : resolve())));
  done.catch(() => {});

  const paramsMessage = () => ({ type: 'params' as const, step, epoch, lr: optimizer?.lr ?? 0, params, states: [] });

  /** Applies the collected step once all W pushed and this epoch's learning rate is known. */
  const maybeApply = () => {
    if (!init || !optimizer || pending.size < init.workers) return;
    const epochStart = step - (step % init.stepsPerEpoch);
    if (lrSince > step || lrSince < epochStart) return; // the primary's 'epoch' control for this step is on its way
    let t = profile.now();
    profile.add('straggle', t - arrivalSum / pending.size);
    pending.clear();
    arrivalSum = 0;
    const grads = mean.finish();
    t = profile.lap('aggregate', t);
    optimizer.step(grads);
    mean.begin();
    t = profile.lap('optimizer', t);
    step += 1;
    if (step % init.stepsPerEpoch === 0) epoch += 1;
    sendParams(writer!, slots.values(), { step, epoch, lr: optimizer.lr }, params, []); // one frame for every worker
    profile.lap('broadcast', t);
    profile.stepDone();
    if (deferredSnapshot && deferredSnapshot.m.step === step) {
      const d = deferredSnapshot;
      deferredSnapshot = null;
      onControl(d.peer, d.m);
    }
  };

  function onControl(peer: Peer, m: ControlMessage): void {
    if (m.action === 'init') {
      const shard = peer.hello.rank;
      init = { ...m, shard };
      log = baseLog.child({ role: 'ps-shard', shard, run: m.runId });
      params = m.params.map((p) => new Float32Array(p));
      const o = m.optimizer as { name: OptimizerName; options?: Record<string, unknown> };
      optimizer = createOptimizer(o.name, params, (o.options ?? {}) as never);
      mean.begin();
      writer = new TensorFrameWriter('params', { params: params.map((p) => p.length), states: [] });
      step = m.step;
      epoch = m.epoch;
      if (m.checkpointDir) {
        const path = shardPartPath(m.checkpointDir, shard, m.step);
        if (!existsSync(path)) throw new Error(`resume: no checkpoint part ${path} for step ${m.step}`);
        const part = packr.unpack(readFileSync(path)) as { params: Float32Array[]; optimizer: never };
        part.params.forEach((p, i) => params[i]!.set(p));
        optimizer.loadStateDict(part.optimizer);
      }
      server.shapes = { parameterShapes: params.map((p) => [p.length]), stateShapes: [] };
      log.info({ parameters: params.length, values: params.reduce((n, p) => n + p.length, 0), step }, 'shard initialized');
      peer.send(paramsMessage());
      return;
    }
    if (!init || !optimizer) throw new Error(`"${m.action}" before "init"`);
    if (m.action === 'epoch') {
      optimizer.lr = m.lr;
      lrSince = m.step;
      maybeApply();
    } else if (m.action === 'snapshot') {
      if (m.step > step) {
        deferredSnapshot = { peer, m }; // the workers' pushes of the last step are still on their way
        return;
      }
      if (m.step !== step) throw new Error(`snapshot at step ${m.step}, the shard is already at step ${step}`);
      if (m.checkpointDir) {
        const path = shardPartPath(m.checkpointDir, init.shard, step);
        mkdirSync(join(m.checkpointDir, `shard-${init.shard}`), { recursive: true });
        writeFileAtomicSync(path, packr.pack({ step, epoch, params, optimizer: optimizer.stateDict() }));
      }
      peer.send(paramsMessage());
    } else if (m.action === 'stop') {
      const profiled = profile.report();
      if (profiled) log.info({ profile: profiled }, logMessages.stepProfile);
      for (const p of slots.values()) p.close('training done');
      finish();
    }
  }

  server.on('peer', (peer: Peer) => {
    const { hello } = peer;
    if (hello.role === 'primary') {
      peer.on('message', (m: { type: string }) => {
        if (m.type === 'bye') return;
        try {
          if (m.type !== 'control') throw new Error(`the primary may only send control messages, got "${m.type}"`);
          onControl(peer, m as ControlMessage);
        } catch (e) {
          log.error({ err: (e as Error).message }, 'control failed');
          peer.fail(new ProtocolError('unexpected-message', (e as Error).message));
          finish(e as Error);
        }
      });
      peer.on('close', () => finish(new Error('the primary parameter server disconnected')));
      return;
    }
    if (!init) return peer.fail(new ProtocolError('unexpected-message', 'this parameter shard is not initialized by its primary yet'));
    const W = init.workers;
    if (hello.role !== 'worker' || hello.runId !== init.runId || hello.rank < 0 || hello.rank >= W) {
      return peer.fail(new ProtocolError('bad-field', `a worker of run "${init.runId}" with a rank in [0, ${W - 1}] expected, got run "${hello.runId}" rank ${hello.rank}`));
    }
    const rank = hello.rank;
    slots.get(rank)?.close('replaced by a newer connection');
    slots.set(rank, peer);
    peer.on('close', () => slots.get(rank) === peer && slots.delete(rank));
    peer.on('message', (m: { type: string }) => {
      if (m.type === 'bye') return;
      if (m.type === 'pull') return void peer.send(paramsMessage());
      if (m.type !== 'push') return peer.fail(new ProtocolError('unexpected-message', `a parameter shard takes push and pull, got "${m.type}"`));
      const push = m as PushMessage;
      if (push.step < step) return; // a re-push after a reconnect, already applied
      if (push.step > step || pending.has(rank)) {
        return peer.fail(new ProtocolError('unexpected-message', `push of step ${push.step} from rank ${rank}; the shard is at step ${step}`));
      }
      // The frame's tensors are views of its own receive buffer, which nothing else writes: held without a copy.
      pending.add(rank);
      arrivalSum += profile.now();
      mean.add(rank, push.grads);
      maybeApply();
    });
    peer.send(paramsMessage());
    if (usesSharedMemory(init.transport)) offerSharedMemory(peer, params.reduce((n, p) => n + p.length, 0), log, rank);
  });

  const close = async () => {
    finish(new Error('parameter shard closed'));
    await server.close();
  };
  void done.finally(() => server.close()).catch(() => {});
  return { url: server.url, port: server.port, done, close };
}
