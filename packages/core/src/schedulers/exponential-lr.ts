import { EpochLRScheduler } from './scheduler.js';
import type { SchedulerTarget } from './target.js';
import { finiteNumber, knownOptions } from './validate.js';

export interface ExponentialLROptions {
  /** Multiplicative decay applied every epoch. */
  gamma: number;
}

/**
 * torch.optim.lr_scheduler.ExponentialLR: multiplies the lr by `gamma` every epoch.
 * @example
 * const sched = new ExponentialLR(optimizer, { gamma: 0.95 });
 * for (let epoch = 0; epoch < 50; epoch++) { train(); sched.step(); }
 */
export class ExponentialLR extends EpochLRScheduler<ExponentialLROptions> {
  readonly kind = 'ExponentialLR';

  constructor(target: SchedulerTarget, options: ExponentialLROptions) {
    super(target, parseExponentialLROptions(options));
    this.initialStep();
  }

  protected parseOptions(options: unknown): Required<ExponentialLROptions> {
    return parseExponentialLROptions(options as ExponentialLROptions);
  }

  protected computeLr(current: number[]): number[] {
    if (this.lastEpoch === 0) return current;
    return current.map((lr) => lr * this.options.gamma);
  }
}

function parseExponentialLROptions(options: ExponentialLROptions): Required<ExponentialLROptions> {
  knownOptions('ExponentialLR', options, ['gamma']);
  return { gamma: finiteNumber('ExponentialLR', 'gamma', options.gamma, { min: 0, minExclusive: true }) };
}
