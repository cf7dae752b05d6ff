import { encodeMessage, logMessages, ProtocolError, type FileRequestMessage, type MetricsMessage, type Peer, type PushMessage } from '@tensorfleet/protocol';
import { applyOnArrival } from './async-epoch.js';
import type { CollectiveHub } from './collective-hub.js';
import type { RunContext } from './run-context.js';
import { jobMessage, paramsFor, paramsMessage } from './run-messages.js';
import { acceptCollected, settleWaiter } from './step-collector.js';

/**
 * Admits a connection that passed the handshake: a SyncBN collective goes to the hub; a worker gets a slot (its old
 * rank on a reconnect or the rank it asks for when free, else the first free one), or in an elastic run that has started a place in the lobby until the
 * next epoch. It then gets the job, the current parameters and the barrier to follow.
 */
export function admitWorker(run: RunContext, hub: CollectiveHub, peer: Peer): void {
  const { o, W } = run;
  const { hello } = peer;
  if (run.finished) return peer.fail(new ProtocolError('unexpected-message', 'the run is over'));
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
  const waitForEpoch = o.elastic && run.trainingStarted;
  // The rank a worker asks for (its old one on a reconnect, or a new worker's, e.g. a Kubernetes completion index) when free.
  const asked = hello.rank >= 0 && hello.rank < W && !run.slots[hello.rank] && (hello.runId === run.runId || hello.runId === '');
  const rank = waitForEpoch ? -1 : asked ? hello.rank : run.slots.findIndex((s) => !s);
  if (rank < 0 && !waitForEpoch) return peer.fail(new ProtocolError('unexpected-message', `all ${W} worker slots are taken`));
  // A new process taking the rank of a lost worker is a restart; restart membership allows maxRestarts of them.
  const restart = !waitForEpoch && run.rejoinTimers.has(rank) && !(hello.runId === run.runId && hello.rank === rank);
  if (restart && o.maxRestarts !== undefined) {
    if (run.restarts >= o.maxRestarts) {
      return peer.fail(new ProtocolError('unexpected-message', `rank ${rank} waits for its own worker to reconnect: no restarts left (maxRestarts ${o.maxRestarts})`));
    }
    run.restarts += 1;
    run.log.warn({ rank, restart: run.restarts, maxRestarts: o.maxRestarts }, `a new worker takes over rank ${rank} (restart ${run.restarts} of ${o.maxRestarts})`);
  }
  if (waitForEpoch) run.lobby.push(peer);
  else run.slots[rank] = peer;
  clearTimeout(run.rejoinTimers.get(rank));
  run.rejoinTimers.delete(rank);
  const wlog = run.log.child({ name: hello.name });
  wlog.info({ remote: peer.remoteAddress, rank, waitingForNextEpoch: waitForEpoch }, logMessages.workerJoined);
  peer.on('message', (m: PushMessage | MetricsMessage | { type: string }) => onWorkerMessage(run, run.slots.indexOf(peer), peer, m));
  peer.on('rejected', (e: ProtocolError) => wlog.warn({ code: e.code, err: e.message }, 'refused a message; connection closed'));
  peer.on('close', (code: number) => {
    if (run.lobby.includes(peer)) run.lobby.splice(run.lobby.indexOf(peer), 1);
    const rank = run.slots.indexOf(peer);
    if (rank < 0) return;
    run.slots[rank] = undefined;
    if (run.finished) return;
    if (!run.trainingStarted) {
      wlog.info({ code, rank }, logMessages.workerLeftBeforeTraining);
      return;
    }
    if (o.elastic) {
      wlog.warn({ code, rank, step: run.step, epoch: run.epoch }, 'worker evicted; the step barrier goes on with the others');
      settleWaiter(run);
      return;
    }
    wlog.warn({ code }, `worker lost; waiting ${o.rejoinTimeoutMs} ms for it to reconnect`);
    run.rejoinTimers.set(rank, setTimeout(() => run.failRun(new Error(`worker rank ${rank} lost and not back within ${o.rejoinTimeoutMs} ms`)), o.rejoinTimeoutMs));
  });
  peer.send(jobMessage(run, Math.max(rank, 0)));
  peer.send(paramsFor(run, Math.max(rank, 0))); // a joiner holds the current parameters before its first push
  if (waitForEpoch) peer.send({ type: 'barrier', step: run.step, epoch: run.epoch, action: 'wait' });
  else if (run.barrier) peer.send(run.barrier);
  if (run.slots.every(Boolean)) run.allJoined();
  run.joinedSomeone();
}

/** Routes a worker's message: pulls are answered, pushes applied (async/ssp) or collected with metrics (sync). */
function onWorkerMessage(run: RunContext, rank: number, peer: Peer, m: PushMessage | MetricsMessage | { type: string }): void {
  if (m.type === 'bye') return;
  if (m.type === 'file-request') return run.files.answer(peer, m as FileRequestMessage); // a worker without the data
  if (m.type === 'pull') {
    peer.send(paramsFor(run, Math.max(rank, 0)));
    return;
  }
  if (rank < 0) return; // an elastic joiner is not a member before the next epoch: its pushes do not count
  if (m.type === 'push' && run.o.consistency.kind !== 'sync') return applyOnArrival(run, rank, peer, m as PushMessage);
  if (m.type === 'push' || m.type === 'metrics') acceptCollected(run, rank, peer, m as PushMessage | MetricsMessage);
}

/**
 * Elastic runs, at an epoch start: the members still there keep their order, the joiners follow; waits (up to
 * rejoinTimeoutMs) for at least minWorkers. Each member gets the parameters, its rank, the world size and the epoch's
 * steps (the data is resharded over the members). Returns the number of steps of the epoch.
 */
export async function formEpochMembership(run: RunContext): Promise<number> {
  const { o, data } = run;
  const { job } = o;
  const deadline = Date.now() + o.rejoinTimeoutMs;
  while (run.slots.filter(Boolean).length + run.lobby.length < o.minWorkers) {
    if (Date.now() > deadline) throw new Error(`epoch ${run.epoch}: fewer than ${o.minWorkers} workers, and not enough joined within ${o.rejoinTimeoutMs} ms`);
    await Promise.race([new Promise<void>((r) => (run.joinedSomeone = r)), new Promise((r) => setTimeout(r, 1000)), run.failure]);
  }
  run.slots = [...run.slots.filter(Boolean), ...run.lobby.splice(0)];
  const worldSize = run.slots.length;
  const steps = Math.min(Math.floor(Math.ceil(data.train.count / worldSize) / job.batchSize), job.maxStepsPerEpoch ?? Infinity);
  if (steps < 1) throw new Error(`epoch ${run.epoch}: a shard of ${data.train.count} samples over ${worldSize} workers holds no full batch`);
  run.log.info({ epoch: run.epoch, step: run.step, worldSize, steps, members: run.slots.map((p) => p!.hello.name) }, 'epoch membership');
  const params = encodeMessage(paramsMessage(run));
  run.slots.forEach((p, rank) => {
    p!.socket.send(params);
    p!.send({ ...run.barrier!, rank, worldSize, steps });
  });
  return steps;
}
