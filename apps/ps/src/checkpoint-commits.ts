/**
 * The run's checkpoint writes in flight: at most one at a time, in order. An epoch-end checkpoint is taken (as bytes)
 * at its step and written while the next epoch trains, so its fsyncs (~150 ms an epoch on this machine's disk) no
 * longer hold up every worker. A write that fails fails the run at the next point that waits: the next checkpoint,
 * a stop, or the run's end.
 * @example
 * commits.start(() => commitCheckpoint(prepared).then((path) => (run.lastCheckpoint = path)));
 * await commits.settled(); // before reporting run.lastCheckpoint
 */
export class CheckpointCommits {
  private pending: Promise<void> = Promise.resolve();
  private failure: Error | null = null;

  /** Runs `write` after the writes started before it. */
  start(write: () => Promise<unknown>): void {
    this.pending = this.pending.then(write).then(
      () => {},
      (e: Error) => {
        this.failure ??= e;
      },
    );
  }

  /** Resolves once every write started so far is on disk; rejects with the first that failed. */
  async settled(): Promise<void> {
    await this.pending;
    if (this.failure) throw this.failure;
  }
}
