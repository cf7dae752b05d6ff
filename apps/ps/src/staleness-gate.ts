/**
 * Bookkeeping of async/SSP training within one epoch: every worker's clock (pushes applied), who waits for
 * parameters, and when a waiting worker may go on: clock − slowest clock ≤ bound (∞ for async), or its epoch is done.
 * @example
 * const gate = new StalenessGate(2, 0, 10, 1);
 * gate.pushed(0); gate.release(); // [0]: one step ahead is allowed
 * gate.pushed(0); gate.release(); // []: two ahead, rank 0 waits for rank 1
 */
export class StalenessGate {
  readonly clocks: number[];
  private readonly waiting = new Set<number>();

  constructor(
    worldSize: number,
    start: number,
    readonly end: number,
    readonly bound: number,
  ) {
    this.clocks = new Array(worldSize).fill(start);
  }

  get minClock(): number {
    return Math.min(...this.clocks);
  }

  get done(): boolean {
    return this.clocks.every((c) => c >= this.end);
  }

  /** Records rank r's push of its current clock; it now waits for parameters. */
  pushed(rank: number): void {
    this.clocks[rank]! += 1;
    this.waiting.add(rank);
  }

  /** Waiting ranks allowed to go on now (removed from the waiting set), in rank order. */
  release(): number[] {
    const min = this.minClock;
    const go = [...this.waiting].sort((a, b) => a - b).filter((r) => this.clocks[r]! >= this.end || this.clocks[r]! - min <= this.bound);
    for (const r of go) this.waiting.delete(r);
    return go;
  }
}
