import type { RungRecord, SchedulerDecision, TrialScheduler } from './types.js';

/**
 * First in, first out: every trial runs to the study's max epochs.
 *
 * @example
 * new FifoScheduler().onEpoch(0, 1, 0.9); // { action: 'continue' }
 */
export class FifoScheduler implements TrialScheduler {
  readonly name = 'fifo';
  readonly rungEpochs: readonly number[] = [];
  onEpoch(): SchedulerDecision {
    return { action: 'continue' };
  }
  restore(): void {}
  records(): RungRecord[] {
    return [];
  }
}
