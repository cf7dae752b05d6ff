import { ProtocolError, type MetricsMessage, type Peer, type PushMessage } from '@tensorfleet/protocol';
import type { RunContext, Waiter } from './run-context.js';

/** Waits for the `kind` message of step `atStep` (and `split`, for metrics) from every rank; resolves in rank order. */
export function collect<T>(run: RunContext, kind: 'push' | 'metrics', atStep: number, split?: string): Promise<T[]> {
  return new Promise<T[]>((resolve, reject) => {
    run.waiter = { kind, step: atStep, split, got: new Map(), resolve, reject } as unknown as Waiter<PushMessage>;
  });
}

/** Resolves the waiter once every rank (elastic: every member still present) has answered, in rank order. */
export function settleWaiter(run: RunContext): void {
  const w = run.waiter as Waiter<unknown> | null;
  if (!w) return;
  const complete = run.o.elastic && run.trainingStarted ? run.slots.every((p, r) => !p || w.got.has(r)) : w.got.size === run.W;
  if (!complete) return;
  run.waiter = null;
  run.collectedRanks = [...w.got.keys()].sort((a, b) => a - b);
  w.resolve(run.collectedRanks.map((r) => w.got.get(r)!));
}

/** Takes a rank's push or metrics for the pending collect; a message nobody waits for fails that worker's connection. */
export function acceptCollected(run: RunContext, rank: number, peer: Peer, msg: PushMessage | MetricsMessage): void {
  const { waiter } = run;
  if (msg.type === 'push' && msg.step < run.step) return; // a re-push after a reconnect, already applied
  const expected = waiter && waiter.kind === msg.type && waiter.step === msg.step && (msg.type !== 'metrics' || waiter.split === msg.split);
  if (!expected) {
    const want = waiter ? `${waiter.kind} of step ${waiter.step}${waiter.split ? ` (${waiter.split})` : ''}` : 'nothing';
    peer.fail(new ProtocolError('unexpected-message', `got ${msg.type} of step ${msg.step}, the server expects ${want}`));
    return;
  }
  (waiter!.got as Map<number, PushMessage | MetricsMessage>).set(rank, msg);
  settleWaiter(run);
}
