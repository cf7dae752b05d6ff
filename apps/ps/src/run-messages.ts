import { encodeMessage, sendFrameToAll, TensorFrameWriter, type Outgoing, type Peer, type ServerMessage } from '@tensorfleet/protocol';
import type { RunContext } from './run-context.js';

/** The current parameters of this server's part, BN states and learning rate, at the global step. */
export const paramsMessage = (run: Pick<RunContext, 'step' | 'epoch' | 'optimizer' | 'ownedParameters' | 'states'>): Outgoing<ServerMessage> => ({
  type: 'params', step: run.step, epoch: run.epoch, lr: run.optimizer.lr, params: run.ownedParameters, states: run.states,
});

/** What a worker needs to join the run at `rank`: the job spec, its place, the shapes and who owns which parameters. */
export function jobMessage(run: Pick<RunContext, 'o' | 'runId' | 'W' | 'step' | 'epoch' | 'stepsPerEpoch' | 'shapes' | 'owned' | 'shards'>, rank: number): Outgoing<ServerMessage> {
  const { o } = run;
  const { job } = o;
  return {
    type: 'job', runId: run.runId, rank, worldSize: run.W, seed: job.dataSeed, step: run.step, epoch: run.epoch, stepsPerEpoch: run.stepsPerEpoch,
    spec: (o.heartbeatTimeoutMs ? { ...job, heartbeatIntervalMs: Math.max(100, Math.floor(o.heartbeatTimeoutMs / 3)) } : job) as unknown as Record<string, unknown>,
    ...run.shapes, owned: run.owned, shards: run.shards.map((link) => ({ url: link.url, parameters: link.parameters })),
  };
}

/** Sends one message to every open peer of `peers` (encoded once for all). */
export function broadcast(peers: readonly (Peer | undefined)[], message: Outgoing<ServerMessage>): void {
  const frame = encodeMessage(message);
  for (const peer of peers) if (peer?.isOpen) peer.socket.send(frame);
}

/** What sending the parameters reads of the run. */
export type ParamsRun = Pick<RunContext, 'step' | 'epoch' | 'optimizer' | 'ownedParameters' | 'states' | 'membership'>;

const paramsWriters = new WeakMap<ParamsRun, TensorFrameWriter<'params'>>();

/**
 * Sends every worker in a slot the current parameters ({@link paramsMessage}) as one frame, written into a reused
 * buffer (one copy of each tensor, no per-step allocation) that is recycled once every worker's send is done.
 */
export function broadcastParams(run: ParamsRun): void {
  let writer = paramsWriters.get(run);
  if (!writer) {
    writer = new TensorFrameWriter('params', { params: run.ownedParameters.map((p) => p.length), states: run.states.map((s) => s.length) });
    paramsWriters.set(run, writer);
  }
  sendParams(writer, run.membership.slots, { step: run.step, epoch: run.epoch, lr: run.optimizer.lr }, run.ownedParameters, run.states);
}

/** Writes `params` and `states` into one frame of `writer` and sends it to every open peer (see sendFrameToAll). */
export function sendParams(
  writer: TensorFrameWriter<'params'>, peers: Iterable<Peer | undefined>, fields: { step: number; epoch: number; lr: number },
  params: Float32Array[], states: Float32Array[],
): void {
  const f = writer.begin();
  f.tensors.params!.forEach((view, k) => view.set(params[k]!));
  f.tensors.states!.forEach((view, k) => view.set(states[k]!));
  sendFrameToAll(peers, f.seal(fields), () => f.hold());
  f.done();
}
