import { logMessages, usesSharedMemory, ProtocolError, type FileRequestMessage, type MetricsMessage, type Peer, type PushMessage } from '@tensorfleet/protocol';
import type { CollectiveHub } from './collective-hub.js';
import type { Consistency } from './consistency.js';
import type { RunContext } from './run-context.js';
import { jobMessage } from './run-messages.js';
import { offerSharedMemory } from './shared-memory-offer.js';
import { acceptCollected, type Collecting } from './step-collector.js';

/** What admitting a worker reads of the run (its place itself is the membership's decision). */
export type AdmissionRun = Collecting & Pick<RunContext, 'o' | 'W' | 'log' | 'runId' | 'lifecycle' | 'files' | 'barrier' | 'epoch' | 'stepsPerEpoch' | 'shapes' | 'owned' | 'shards'>;

/**
 * Admits a connection that passed the handshake: a SyncBN collective goes to the hub; a worker to the place the
 * membership gives it (a rank, or in an elastic run that has started a wait for the next epoch). It then gets the job,
 * the current parameters and the barrier to follow; its pushes go to the consistency, its metrics to the collector.
 */
export function admitWorker(run: AdmissionRun, consistency: Consistency, hub: CollectiveHub, peer: Peer): void {
  const { o, W, membership } = run;
  const { hello } = peer;
  if (run.lifecycle.finished) return peer.fail(new ProtocolError('unexpected-message', 'the run is over'));
  if (hello.runId !== '' && hello.runId !== run.runId) {
    return peer.fail(new ProtocolError('bad-field', `worker belongs to run "${hello.runId}", this server runs "${run.runId}"`));
  }
  if (hello.role === 'collective') {
    if (o.job.bn !== 'sync') return peer.fail(new ProtocolError('unexpected-message', 'this job does not use SyncBN (bn: "sync"), so it has no collective'));
    if (hello.runId !== run.runId || hello.rank < 0 || hello.rank >= W) {
      return peer.fail(new ProtocolError('bad-field', `a collective connection must name this run and a rank in [0, ${W - 1}], got run "${hello.runId}" rank ${hello.rank}`));
    }
    return hub.attach(hello.rank, peer);
  }
  const admission = membership.admit(peer);
  if ('refused' in admission) return peer.fail(new ProtocolError('unexpected-message', admission.refused));
  const { rank } = admission;
  const waiting = rank < 0;
  const wlog = run.log.child({ name: hello.name });
  wlog.info({ remote: peer.remoteAddress, rank, waitingForNextEpoch: waiting }, logMessages.workerJoined);
  peer.on('message', (m: PushMessage | MetricsMessage | { type: string }) => onWorkerMessage(run, consistency, membership.slots.indexOf(peer), peer, m));
  peer.on('rejected', (e: ProtocolError) => wlog.warn({ code: e.code, err: e.message }, 'refused a message; connection closed'));
  peer.on('close', (code: number) => membership.leave(peer, code));
  peer.send(jobMessage(run, Math.max(rank, 0)));
  if (usesSharedMemory(o.transport)) {
    offerSharedMemory(peer, frameValues(run), wlog, rank);
  }
  peer.send(consistency.paramsFor(Math.max(rank, 0))); // a joiner holds the current parameters before its first push
  if (waiting) peer.send({ type: 'barrier', step: run.step, epoch: run.epoch, action: 'wait' });
  else if (run.barrier) peer.send(run.barrier);
}

/** Values of this server's largest tensor frames: its part of the parameters (or gradients) and every BN state. */
function frameValues(run: Pick<AdmissionRun, 'shapes' | 'owned'>): number {
  const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
  const { parameterShapes, stateShapes } = run.shapes;
  return run.owned.reduce((n, k) => n + size(parameterShapes[k]!), 0) + stateShapes.reduce((n, s) => n + size(s), 0);
}

/** Routes a worker's message: pulls are answered, pushes go to the consistency, metrics to the collector. */
function onWorkerMessage(run: AdmissionRun, consistency: Consistency, rank: number, peer: Peer, m: PushMessage | MetricsMessage | { type: string }): void {
  if (m.type === 'bye') return;
  if (m.type === 'file-request') return run.files.answer(peer, m as FileRequestMessage); // a worker without the data
  if (m.type === 'pull') {
    peer.send(consistency.paramsFor(Math.max(rank, 0)));
    return;
  }
  if (rank < 0) return; // an elastic joiner is not a member before the next epoch: its pushes do not count
  if (m.type === 'push') consistency.push(rank, peer, m as PushMessage);
  else if (m.type === 'metrics') acceptCollected(run, rank, peer, m as MetricsMessage);
}
