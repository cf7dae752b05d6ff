import { ProtocolError, type MetricsMessage, type Peer, type PushMessage } from '@tensorfleet/protocol';
import { RankOrderMean } from './rank-order-mean.js';
import type { RunContext, Waiter } from './run-context.js';

/** What collecting sees of the run: the pending collect, the step, and the membership (who must answer). */
export type Collecting = Pick<RunContext, 'waiter' | 'collectedRanks' | 'step' | 'membership'>;

/** Waits for the `kind` message of step `atStep` (and `split`, for metrics) from every rank; resolves in rank order. */
export function collect<T>(run: Collecting, kind: 'push' | 'metrics', atStep: number, split?: string, arrived?: (rank: number, message: T, peer: Peer) => void): Promise<T[]> {
  return new Promise<T[]>((resolve, reject) => {
    run.waiter = { kind, step: atStep, split, got: new Map(), arrived, resolve, reject } as unknown as Waiter<PushMessage>;
  });
}

/** One sync step's pushes (rank order) and the rank-order mean of their gradients. */
export interface CollectedStep {
  pushes: PushMessage[];
  /** Valid until the next step's collect: the buffers are reused. */
  meanGrads: Float32Array[];
  /** Hands the pushes' shared-memory read buffers back for reuse: call once nothing uses their tensors (Peer.recycleFrame). */
  recycle(): void;
}

const means = new WeakMap<Collecting, RankOrderMean>();

/**
 * Collects step `atStep`'s pushes like {@link collect}, reducing their gradients as they arrive (rank order, see
 * {@link RankOrderMean}), so after the last push only its own fold and the division are left. Profiles `straggle`
 * (how long a push waits for the last one, mean over the pushes) and `aggregate` (what is left of the mean after the
 * last push).
 */
export async function collectPushes(run: Collecting & Pick<RunContext, 'profile'>, atStep: number): Promise<CollectedStep> {
  let mean = means.get(run);
  if (!mean) means.set(run, (mean = new RankOrderMean()));
  mean.begin();
  let arrivalSum = 0;
  let arrivals = 0;
  let replaced = false;
  const taken = new Set<number>();
  // The push that completes the step is folded by finishWith, in the division's pass.
  let last: { rank: number; grads: Float32Array[] } | null = null;
  const senders = new Map<PushMessage, Peer>();
  const pushes = await collect<PushMessage>(run, 'push', atStep, undefined, (rank, push, peer) => {
    senders.set(push, peer);
    arrivalSum += run.profile.now();
    run.profile.mark('lastPushIn', atStep, peer.receivedAt);
    run.profile.mark('lastPushRead', atStep);
    arrivals += 1;
    // A rank pushing this step again (its replacement after a restart) replaces what it sent: fold again at the end.
    if (taken.has(rank)) replaced = true;
    else taken.add(rank);
    if (replaced) return;
    if (run.waiter && run.membership.complete(run.waiter.got)) last = { rank, grads: push.grads };
    else mean!.add(rank, push.grads);
  });
  let t = run.profile.now();
  if (arrivals) run.profile.add('straggle', t - arrivalSum / arrivals);
  if (replaced) {
    mean.begin();
    run.collectedRanks.forEach((rank, i) => mean!.add(rank, pushes[i]!.grads));
    last = null;
  }
  const completing = last as { rank: number; grads: Float32Array[] } | null;
  const meanGrads = completing ? mean.finishWith(completing.rank, completing.grads) : pushes.length ? mean.finish() : [];
  run.profile.lap('aggregate', t);
  run.profile.mark('meanDone', atStep);
  return { pushes, meanGrads, recycle: () => senders.forEach((peer, push) => peer.recycleFrame(push.grads)) };
}

/** Resolves the waiter once every rank the membership counts has answered, in rank order. */
export function settleWaiter(run: Collecting): void {
  const w = run.waiter as Waiter<unknown> | null;
  if (!w || !run.membership.complete(w.got)) return;
  run.waiter = null;
  run.collectedRanks = [...w.got.keys()].sort((a, b) => a - b);
  w.resolve(run.collectedRanks.map((r) => w.got.get(r)!));
}

/** Takes a rank's push or metrics for the pending collect; a message nobody waits for fails that worker's connection. */
export function acceptCollected(run: Collecting, rank: number, peer: Peer, msg: PushMessage | MetricsMessage): void {
  const { waiter } = run;
  if (msg.type === 'push' && msg.step < run.step) return; // a re-push after a reconnect, already applied
  const expected = waiter && waiter.kind === msg.type && waiter.step === msg.step && (msg.type !== 'metrics' || waiter.split === msg.split);
  if (!expected) {
    const want = waiter ? `${waiter.kind} of step ${waiter.step}${waiter.split ? ` (${waiter.split})` : ''}` : 'nothing';
    peer.fail(new ProtocolError('unexpected-message', `got ${msg.type} of step ${msg.step}, the server expects ${want}`));
    return;
  }
  (waiter!.got as Map<number, PushMessage | MetricsMessage>).set(rank, msg);
  (waiter!.arrived as ((r: number, m: PushMessage | MetricsMessage, p: Peer) => void) | undefined)?.(rank, msg, peer);
  run.membership.atWork(rank);
  settleWaiter(run);
}
