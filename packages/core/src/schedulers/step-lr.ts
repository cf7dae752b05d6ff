import { EpochLRScheduler } from './scheduler.js';
import type { SchedulerTarget } from './target.js';
import { finiteNumber, integer, knownOptions } from './validate.js';

export interface StepLROptions {
  /** Epochs between decays (a positive integer). */
  stepSize: number;
  /** Multiplicative decay, default 0.1. */
  gamma?: number;
}

/**
 * torch.optim.lr_scheduler.StepLR: multiplies every group's lr by `gamma` each `stepSize` epochs.
 * @example
 * const sched = new StepLR(optimizer, { stepSize: 30, gamma: 0.1 });
 * for (let epoch = 0; epoch < 90; epoch++) { train(); sched.step(); }
 */
export class StepLR extends EpochLRScheduler<StepLROptions> {
  readonly kind = 'StepLR';

  constructor(target: SchedulerTarget, options: StepLROptions) {
    super(target, parseStepLROptions(options));
    this.initialStep();
  }

  protected parseOptions(options: unknown): Required<StepLROptions> {
    return parseStepLROptions(options as StepLROptions);
  }

  protected computeLr(current: number[]): number[] {
    const { stepSize, gamma } = this.options;
    if (this.lastEpoch === 0 || this.lastEpoch % stepSize !== 0) return current;
    return current.map((lr) => lr * gamma);
  }
}

function parseStepLROptions(options: StepLROptions): Required<StepLROptions> {
  knownOptions('StepLR', options, ['stepSize', 'gamma']);
  return {
    stepSize: integer('StepLR', 'stepSize', options.stepSize, 1),
    gamma: finiteNumber('StepLR', 'gamma', options.gamma ?? 0.1, { min: 0, minExclusive: true }),
  };
}
