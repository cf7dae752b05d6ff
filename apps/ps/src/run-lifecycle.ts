/**
 * Whether a run still goes on, and how it ends: a failure (once, for every wait to race against) or a stop request
 * (the training loop stops at its next step boundary). Membership timers, the step collector and the epoch loops
 * see only this, not the rest of the run.
 * @example
 * const life = new RunLifecycle((e) => log.error(e.message));
 * await Promise.race([work, life.failure]); // a failure never leaves a wait hanging
 * life.fail(new Error('worker rank 1 lost')); // later calls are ignored
 */
export class RunLifecycle {
  /** Set once training is over: finished normally, failed or stopped. */
  finished = false;
  /** Set by {@link requestStop}: the training loop stops at its next step boundary. */
  stopRequested = false;
  /** Rejects when the run fails; raced against every wait. */
  readonly failure: Promise<never>;
  /** Resolves when a stop is requested (async epochs race it). */
  readonly stopRequest: Promise<void>;
  private rejectFailure: (e: Error) => void = () => {};
  private resolveStop: () => void = () => {};

  /** `onFail` runs once, on the first failure, before `failure` rejects (it tells the workers and clears timers). */
  constructor(private readonly onFail: (e: Error) => void) {
    this.failure = new Promise<never>((_, reject) => (this.rejectFailure = reject));
    this.failure.catch(() => {});
    this.stopRequest = new Promise<void>((r) => (this.resolveStop = r));
  }

  /** Fails the run, once; a run that finished ignores it. */
  fail(e: Error): void {
    if (this.finished) return;
    this.finished = true;
    this.onFail(e);
    this.rejectFailure(e);
  }

  /** Asks the training loop to stop at its next step boundary. */
  requestStop(): void {
    this.stopRequested = true;
    this.resolveStop();
  }
}
