import { stepLoops } from '@tensorfleet/core';

/**
 * The rank-order mean of one step's tensors, reduced while the pushes arrive instead of after the last: a push is
 * folded into the running sum as soon as every lower rank's is in (a push that overtook a lower rank is held, not
 * copied, until the gap fills). The float32 result is bitwise that of summing rank 0, 1, …, W−1 in order and dividing
 * by W, whatever the arrival order, so the sum stays deterministic. The sum buffers are allocated once and reused
 * every step: the result is valid until the next {@link RankOrderMean.begin}.
 * @example
 * const mean = new RankOrderMean();
 * mean.begin();
 * mean.add(1, gradsOfRank1); // held: rank 0 is not in yet
 * mean.add(0, gradsOfRank0); // folds rank 0, then rank 1
 * optimizer.step(mean.finish());
 */
export class RankOrderMean {
  private sums: Float32Array[] = [];
  /** Lowest rank not folded yet: every rank below it is in the sums. */
  private next = 0;
  private folded = 0;
  private readonly held = new Map<number, Float32Array[]>();

  /** Starts a new step (the previous result's buffers are reused). */
  begin(): void {
    this.next = 0;
    this.folded = 0;
    this.held.clear();
  }

  /** Takes rank `rank`'s tensors (kept by reference until folded, so they must stay unchanged until then). */
  add(rank: number, tensors: Float32Array[]): void {
    if (rank !== this.next) {
      this.held.set(rank, tensors);
      return;
    }
    this.fold(rank, tensors);
    this.next = rank + 1;
    for (let t = this.held.get(this.next); t; t = this.held.get(this.next)) {
      this.held.delete(this.next);
      this.fold(this.next, t);
      this.next += 1;
    }
  }

  /**
   * The mean over every rank added. Held ranks (a lower rank never came: it left the run) are folded in rank order,
   * then the sums are divided by the number of ranks added.
   */
  finish(): Float32Array[] {
    for (const rank of [...this.held.keys()].sort((a, b) => a - b)) this.fold(rank, this.held.get(rank)!);
    this.held.clear();
    if (this.folded === 0) throw new Error('RankOrderMean: no workers');
    const w = this.folded;
    for (const sum of this.sums) for (let i = 0; i < sum.length; i++) sum[i] = sum[i]! / w;
    return this.sums;
  }

  /**
   * {@link add} of the step's last rank, then {@link finish}, with the last fold and the division in one pass over
   * the sums (the step's critical path: nothing else is left to wait for). The same float32 operations in the same
   * order as add + finish, so the same bits.
   * @example
   * mean.begin(); mean.add(0, grads0);
   * optimizer.step(mean.finishWith(1, grads1));
   */
  finishWith(rank: number, tensors: Float32Array[]): Float32Array[] {
    this.held.set(rank, tensors); // every rank not folded yet is above `next`, so the held ones fold in rank order
    const ranks = [...this.held.keys()].sort((a, b) => a - b);
    const last = ranks.pop()!;
    const lastTensors = this.held.get(last)!;
    for (const r of ranks) this.fold(r, this.held.get(r)!);
    this.held.clear();
    this.fold(last, lastTensors, this.folded + 1);
    return this.sums;
  }

  /** Folds `tensors` into the sums; with `divideBy`, stores (sum + t) / divideBy instead (each step rounded to float32). */
  private fold(rank: number, tensors: Float32Array[], divideBy = 0): void {
    if (this.folded === 0) {
      // The first rank in sets the sums (buffers of the right sizes kept from the previous step when they fit).
      if (this.sums.length !== tensors.length) this.sums = new Array<Float32Array>(tensors.length);
      for (let k = 0; k < tensors.length; k++) {
        const t = tensors[k]!;
        const sum = this.sums[k]?.length === t.length ? this.sums[k]! : (this.sums[k] = new Float32Array(t.length));
        if (divideBy === 0) sum.set(t);
        else for (let i = 0; i < sum.length; i++) sum[i] = t[i]! / divideBy;
      }
    } else {
      if (tensors.length !== this.sums.length) throw new Error(`RankOrderMean: rank ${rank} sent ${tensors.length} tensors, the first rank ${this.sums.length}`);
      // The process's step loops: C when the native backend is installed (this is the step's critical path).
      const loops = stepLoops();
      for (let k = 0; k < tensors.length; k++) {
        const t = tensors[k]!;
        const sum = this.sums[k]!;
        if (t.length !== sum.length) throw new Error(`RankOrderMean: rank ${rank} tensor ${k} has ${t.length} values, the first rank's has ${sum.length}`);
        // Each partial sum is rounded to float32 (on store, or by fround before the division), as in add + finish.
        if (divideBy === 0) loops.addInto(sum, t);
        else loops.addDivideInto(sum, t, divideBy);
      }
    }
    this.folded += 1;
  }
}
