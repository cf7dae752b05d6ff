import { EpochLRScheduler } from './scheduler.js';
import type { SchedulerTarget } from './target.js';
import { finiteNumber, integer, knownOptions } from './validate.js';

export interface CosineAnnealingLROptions {
  /** Epochs in a half period: the lr falls from its base to `etaMin` over `tMax` epochs, then climbs back. */
  tMax: number;
  /** Lowest lr, default 0. */
  etaMin?: number;
}

/**
 * torch.optim.lr_scheduler.CosineAnnealingLR in the recursive form its `step()` computes (not the closed form):
 * lr_t = etaMin + (lr_{t-1} − etaMin)·(1 + cos(πt/T))/(1 + cos(π(t−1)/T)), and past each minimum the lr rises
 * again along the cosine (periodic, no restarts).
 * @example
 * const sched = new CosineAnnealingLR(optimizer, { tMax: 50, etaMin: 1e-4 });
 * for (let epoch = 0; epoch < 50; epoch++) { train(); sched.step(); }
 */
export class CosineAnnealingLR extends EpochLRScheduler<CosineAnnealingLROptions> {
  readonly kind = 'CosineAnnealingLR';

  constructor(target: SchedulerTarget, options: CosineAnnealingLROptions) {
    super(target, parseCosineOptions(options));
    this.initialStep();
  }

  protected parseOptions(options: unknown): Required<CosineAnnealingLROptions> {
    return parseCosineOptions(options as CosineAnnealingLROptions);
  }

  protected computeLr(current: number[]): number[] {
    const { tMax, etaMin } = this.options;
    const t = this.lastEpoch;
    if (t === 0) return current;
    // Operation order copied from torch so results agree to the last bits.
    if ((t - 1 - tMax) % (2 * tMax) === 0) {
      return current.map((lr, i) => lr + (this.baseLrs[i]! - etaMin) * (1 - Math.cos(Math.PI / tMax)) / 2);
    }
    return current.map((lr) =>
      (1 + Math.cos(Math.PI * t / tMax)) / (1 + Math.cos(Math.PI * (t - 1) / tMax)) * (lr - etaMin) + etaMin);
  }
}

function parseCosineOptions(options: CosineAnnealingLROptions): Required<CosineAnnealingLROptions> {
  knownOptions('CosineAnnealingLR', options, ['tMax', 'etaMin']);
  return {
    tMax: integer('CosineAnnealingLR', 'tMax', options.tMax, 1),
    etaMin: finiteNumber('CosineAnnealingLR', 'etaMin', options.etaMin ?? 0, { min: 0 }),
  };
}
