import type { Logger } from 'pino';
import { ProtocolError, type AllreduceMessage, type Peer } from '@tensorfleet/protocol';

interface Round {
  step: number;
  call: number;
  got: Map<number, Float32Array>;
}

/**
 * The parameter server's side of SyncBatchNorm's allreduce: each worker's collective thread connects (hello role
 * 'collective', with its rank) and sends its contribution to call k of step s; once all W ranks have sent theirs, the
 * hub sums them in rank order (float64 accumulation, so the result does not depend on arrival order) and sends the sum
 * to every rank. One round trip per call. A rank whose collective connection closes while a round waits for it fails
 * that round for the others at once (they get an error instead of waiting for their timeout).
 * @example
 * const hub = new CollectiveHub(W, log);
 * server.on('peer', (peer) => { if (peer.hello.role === 'collective') hub.attach(peer.hello.rank, peer); });
 */
export class CollectiveHub {
  private readonly peers = new Map<number, Peer>();
  private readonly rounds = new Map<string, Round>();
  /** Allreduce rounds completed (for tests and cost accounting). */
  completed = 0;

  constructor(
    readonly worldSize: number,
    private readonly log: Logger,
  ) {}

  /** Adopts the collective connection of `rank` (replacing an older one). */
  attach(rank: number, peer: Peer): void {
    this.peers.get(rank)?.close('replaced by a newer collective connection');
    this.peers.set(rank, peer);
    this.log.debug({ rank }, 'collective connection joined');
    peer.on('message', (m: { type: string }) => {
      if (m.type === 'allreduce') this.contribute(rank, peer, m as AllreduceMessage);
      else if (m.type !== 'bye') peer.fail(new ProtocolError('unexpected-message', `a collective connection may only send allreduce, got "${m.type}"`));
    });
    peer.on('close', () => {
      if (this.peers.get(rank) !== peer) return;
      this.peers.delete(rank);
      for (const [key, round] of this.rounds) {
        if (round.got.has(rank)) continue;
        this.rounds.delete(key);
        this.failRound(round, `rank ${rank}'s collective connection closed while allreduce of step ${round.step}, call ${round.call} waited for it`);
      }
    });
  }

  private failRound(round: Round, why: string): void {
    this.log.warn({ step: round.step, call: round.call }, why);
    for (const r of round.got.keys()) this.peers.get(r)?.fail(new ProtocolError('closed', why));
  }

  private contribute(rank: number, peer: Peer, m: AllreduceMessage): void {
    const key = `${m.step}:${m.call}`;
    let round = this.rounds.get(key);
    if (!round) this.rounds.set(key, (round = { step: m.step, call: m.call, got: new Map() }));
    if (round.got.has(rank)) {
      peer.fail(new ProtocolError('unexpected-message', `rank ${rank} sent allreduce of step ${m.step}, call ${m.call} twice`));
      return;
    }
    const values = m.values[0]!;
    const first = round.got.values().next().value as Float32Array | undefined;
    if (first && first.length !== values.length) {
      this.rounds.delete(key);
      round.got.set(rank, values);
      this.failRound(round, `allreduce of step ${m.step}, call ${m.call}: rank ${rank} sent ${values.length} values, others ${first.length}`);
      return;
    }
    round.got.set(rank, values.slice()); // the frame's buffer is not ours to keep
    if (round.got.size < this.worldSize) return;
    this.rounds.delete(key);
    const sum = new Float64Array(values.length);
    for (let r = 0; r < this.worldSize; r++) round.got.get(r)!.forEach((v, i) => (sum[i] += v));
    const result = Float32Array.from(sum);
    for (let r = 0; r < this.worldSize; r++) this.peers.get(r)?.send({ type: 'reduced', step: m.step, call: m.call, values: [result] });
    this.completed += 1;
  }
}
