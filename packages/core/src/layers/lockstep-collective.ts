// Test support (not exported from the package): W replicas sharing one synchronous collective, in one thread.
import type { BatchNormCollective } from './sync-batch-norm.js';

/**
 * Runs `runReplica` for ranks 0..W−1 with collectives that behave as one synchronous allreduce, although the
 * replicas run one after another. Round r hands every replica, at its k-th collective call, its own values plus what
 * the others sent at their k-th call in round r − 1 (zeros in round 0). Once a round's contributions equal the
 * previous round's bit for bit, every replica received exactly the sum of what all replicas sent in that very round —
 * indistinguishable from a real lockstep allreduce — and that round's results are returned. A replica's k-th
 * contribution depends only on the collective results before call k, so this settles after at most (calls + 1) rounds.
 */
export function runInLockstep<T>(worldSize: number, runReplica: (rank: number, collective: BatchNormCollective) => T, maxRounds = 12): { results: T[]; rounds: number } {
  let previous: Float32Array[][] = Array.from({ length: worldSize }, () => []);
  for (let round = 1; round <= maxRounds; round++) {
    const sent: Float32Array[][] = Array.from({ length: worldSize }, () => []);
    const results = Array.from({ length: worldSize }, (_, rank) =>
      runReplica(rank, {
        allreduceSum(values: Float32Array): Float32Array {
          const call = sent[rank]!.length;
          sent[rank]!.push(values.slice());
          const total = new Float64Array(values);
          previous.forEach((others, other) => {
            const theirs = others[call];
            if (other !== rank && theirs) theirs.forEach((v, i) => (total[i] += v));
          });
          return Float32Array.from(total);
        },
      }),
    );
    if (round > 1 && sameContributions(sent, previous)) return { results, rounds: round };
    previous = sent;
  }
  throw new Error(`runInLockstep: contributions did not settle within ${maxRounds} rounds`);
}

function sameContributions(a: Float32Array[][], b: Float32Array[][]): boolean {
  return a.every((calls, rank) => calls.length === b[rank]!.length && calls.every((v, k) => {
    const w = b[rank]![k]!;
    return v.length === w.length && v.every((x, i) => Object.is(x, w[i]));
  }));
}
