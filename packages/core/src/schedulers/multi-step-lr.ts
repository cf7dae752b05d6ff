import { EpochLRScheduler } from './scheduler.js';
import type { SchedulerTarget } from './target.js';
import { fail, finiteNumber, knownOptions } from './validate.js';

export interface MultiStepLROptions {
  /** Epochs at which to decay; any order; a milestone listed k times decays by gamma^k there (torch's Counter). */
  milestones: number[];
  /** Multiplicative decay, default 0.1. */
  gamma?: number;
}

/**
 * torch.optim.lr_scheduler.MultiStepLR: multiplies the lr by `gamma` at each milestone epoch.
 * @example
 * const sched = new MultiStepLR(optimizer, { milestones: [30, 80], gamma: 0.1 });
 * for (let epoch = 0; epoch < 100; epoch++) { train(); sched.step(); }
 */
export class MultiStepLR extends EpochLRScheduler<MultiStepLROptions> {
  readonly kind = 'MultiStepLR';

  constructor(target: SchedulerTarget, options: MultiStepLROptions) {
    super(target, parseMultiStepLROptions(options));
    this.initialStep();
  }

  protected parseOptions(options: unknown): Required<MultiStepLROptions> {
    return parseMultiStepLROptions(options as MultiStepLROptions);
  }

  protected computeLr(current: number[]): number[] {
    const times = this.options.milestones.filter((m) => m === this.lastEpoch).length;
    if (times === 0) return current;
    return current.map((lr) => lr * this.options.gamma ** times);
  }
}

function parseMultiStepLROptions(options: MultiStepLROptions): Required<MultiStepLROptions> {
  knownOptions('MultiStepLR', options, ['milestones', 'gamma']);
  const { milestones } = options;
  if (!Array.isArray(milestones) || !milestones.every((m) => Number.isInteger(m) && m >= 0)) {
    fail('MultiStepLR', 'milestones', 'an array of integers ≥ 0', milestones);
  }
  return {
    milestones: [...milestones],
    gamma: finiteNumber('MultiStepLR', 'gamma', options.gamma ?? 0.1, { min: 0, minExclusive: true }),
  };
}
