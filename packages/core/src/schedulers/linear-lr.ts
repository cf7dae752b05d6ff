import { EpochLRScheduler } from './scheduler.js';
import type { SchedulerTarget } from './target.js';
import { finiteNumber, integer, knownOptions } from './validate.js';

export interface LinearLROptions {
  /** Factor applied at epoch 0, in (0, 1]; default 1/3. */
  startFactor?: number;
  /** Factor reached at `totalIters`, in [0, 1]; default 1. */
  endFactor?: number;
  /** Epochs to go from startFactor to endFactor; default 5. */
  totalIters?: number;
}

/**
 * torch.optim.lr_scheduler.LinearLR, the usual linear warmup: the lr moves linearly from `startFactor`·lr to
 * `endFactor`·lr over `totalIters` epochs, then stays. Construction already applies `startFactor`.
 * @example
 * // 5 warmup epochs from 0.01 to 0.1, then hand over to cosine annealing (both step every epoch)
 * const warmup = new LinearLR(optimizer, { startFactor: 0.1, totalIters: 5 });
 */
export class LinearLR extends EpochLRScheduler<LinearLROptions> {
  readonly kind = 'LinearLR';

  constructor(target: SchedulerTarget, options: LinearLROptions = {}) {
    super(target, parseLinearOptions(options));
    this.initialStep();
  }

  protected parseOptions(options: unknown): Required<LinearLROptions> {
    return parseLinearOptions(options as LinearLROptions);
  }

  protected computeLr(current: number[]): number[] {
    const { startFactor: s, endFactor: e, totalIters: n } = this.options;
    const t = this.lastEpoch;
    if (t === 0) return current.map((lr) => lr * s);
    if (t > n) return current;
    return current.map((lr) => lr * (1 + (e - s) / (n * s + (t - 1) * (e - s))));
  }
}

function parseLinearOptions(options: LinearLROptions): Required<LinearLROptions> {
  knownOptions('LinearLR', options, ['startFactor', 'endFactor', 'totalIters']);
  return {
    // startFactor 0 would divide by zero in the recursive form (torch 1.13 raises ZeroDivisionError there).
    startFactor: finiteNumber('LinearLR', 'startFactor', options.startFactor ?? 1 / 3,
      { min: 0, minExclusive: true, max: 1 }),
    endFactor: finiteNumber('LinearLR', 'endFactor', options.endFactor ?? 1, { min: 0, max: 1 }),
    totalIters: integer('LinearLR', 'totalIters', options.totalIters ?? 5, 1),
  };
}
