import type { LRScheduler, SchedulerStateDict } from './scheduler.js';
import { lrHandle, type LrHandle, type SchedulerTarget } from './target.js';
import { fail, finiteNumber, integer, knownOptions, numberArray, oneOf } from './validate.js';

export interface ReduceLROnPlateauOptions {
  /** 'min': lower metric is better (a loss); 'max': higher is better (an accuracy). Default 'min'. */
  mode?: 'min' | 'max';
  /** new lr = lr·factor, in [0, 1). Default 0.1. */
  factor?: number;
  /** Bad epochs tolerated before reducing; the lr drops on bad epoch patience+1. Default 10. */
  patience?: number;
  /** Minimum improvement that counts, relative (`rel`: best·(1∓threshold)) or absolute (`abs`). Default 1e-4. */
  threshold?: number;
  /** Default 'rel'. */
  thresholdMode?: 'rel' | 'abs';
  /** Epochs after a reduction during which bad epochs are not counted. Default 0. */
  cooldown?: number;
  /** Floor for the lr: one number, or one per param group. Default 0. */
  minLr?: number | number[];
  /** A reduction smaller than eps is skipped. Default 1e-8. */
  eps?: number;
  /** Print a line (torch's wording) when a group's lr is reduced. Default false. */
  verbose?: boolean;
}

/** The options after defaults and validation; `minLr` is per group. */
export interface ResolvedPlateauOptions {
  mode: 'min' | 'max';
  factor: number;
  patience: number;
  threshold: number;
  thresholdMode: 'rel' | 'abs';
  cooldown: number;
  minLr: number[];
  eps: number;
  verbose: boolean;
}

/** A metric as a number, or a one-element tensor (torch accepts a zero-dim tensor too). */
export type MetricValue = number | { dataSync(): ArrayLike<number>; size: number };

const OWNER = 'ReduceLROnPlateau';
const OPTION_NAMES = ['mode', 'factor', 'patience', 'threshold', 'thresholdMode', 'cooldown', 'minLr', 'eps', 'verbose'];

/**
 * torch.optim.lr_scheduler.ReduceLROnPlateau (1.13): reduces every group's lr by `factor` once the metric has not
 * improved for more than `patience` epochs. Each branch is torch's: the four mode×thresholdMode tests of
 * improvement, bad epochs ignored while cooling down, new lr = max(lr·factor, minLr) applied only when
 * lr − new lr > eps. NaN metrics count as bad epochs, as in torch.
 * @example
 * const sched = new ReduceLROnPlateau(optimizer, { mode: 'min', factor: 0.5, patience: 3 });
 * for (let epoch = 0; epoch < 100; epoch++) { train(); sched.step(validationLoss()); }
 */
export class ReduceLROnPlateau implements LRScheduler {
  readonly kind = 'ReduceLROnPlateau';
  private readonly target: LrHandle;
  private options: ResolvedPlateauOptions;
  /** Best metric so far (±Infinity before the first step). */
  best: number;
  numBadEpochs = 0;
  cooldownCounter = 0;
  lastEpoch = 0;
  private lastLr: number[] | undefined;

  constructor(target: SchedulerTarget, options: ReduceLROnPlateauOptions = {}) {
    this.target = lrHandle(target);
    this.options = resolvePlateauOptions(options, this.target.groupCount);
    this.best = this.modeWorse;
  }

  /** The resolved options (defaults applied, minLr per group). */
  get resolvedOptions(): ResolvedPlateauOptions {
    return structuredClone(this.options);
  }

  private get modeWorse(): number {
    return this.options.mode === 'min' ? Infinity : -Infinity;
  }

  get inCooldown(): boolean {
    return this.cooldownCounter > 0;
  }

  /** torch's `is_better(a, best)`. */
  isBetter(a: number, best: number): boolean {
    const { mode, thresholdMode, threshold } = this.options;
    if (mode === 'min' && thresholdMode === 'rel') return a < best * (1 - threshold);
    if (mode === 'min') return a < best - threshold;
    if (thresholdMode === 'rel') return a > best * (threshold + 1);
    return a > best + threshold;
  }

  /** Feeds one epoch's metric; reduces the lr when the plateau is long enough. */
  step(metric: MetricValue): void {
    const current = metricNumber(metric);
    this.lastEpoch += 1;
    if (this.isBetter(current, this.best)) {
      this.best = current;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs += 1;
    }
    if (this.inCooldown) {
      this.cooldownCounter -= 1;
      this.numBadEpochs = 0;
    }
    if (this.numBadEpochs > this.options.patience) {
      this.reduceLr();
      this.cooldownCounter = this.options.cooldown;
      this.numBadEpochs = 0;
    }
    this.lastLr = this.target.getLrs();
  }

  private reduceLr(): void {
    const { factor, minLr, eps, verbose } = this.options;
    const lrs = this.target.getLrs();
    const next = lrs.map((old, i) => {
      const candidate = Math.max(old * factor, minLr[i]!);
      if (!(old - candidate > eps)) return old;
      if (verbose) console.log(`Epoch ${formatEpoch(this.lastEpoch)}: reducing learning rate of group ${i} to ${formatLr(candidate)}.`);
      return candidate;
    });
    this.target.setLrs(next);
  }

  /** The lrs after the last step (the target's current lrs before any step). */
  getLastLr(): number[] {
    return this.lastLr ? [...this.lastLr] : this.target.getLrs();
  }

  /**
   * `best` is ±Infinity until the first step; JSON turns that into null, which {@link loadStateDict} accepts back.
   */
  stateDict(): SchedulerStateDict {
    return {
      kind: this.kind,
      options: structuredClone(this.options) as unknown as Record<string, unknown>,
      lastEpoch: this.lastEpoch,
      lastLr: this.getLastLr(),
      best: this.best,
      numBadEpochs: this.numBadEpochs,
      cooldownCounter: this.cooldownCounter,
    };
  }

  /** Restores {@link stateDict}'s output, validated before anything changes; also writes `lastLr` into the target. */
  loadStateDict(state: SchedulerStateDict): void {
    const owner = `${OWNER}.loadStateDict`;
    if (typeof state !== 'object' || state === null) fail(owner, 'state', 'an object from stateDict()', state);
    if (state.kind !== this.kind) fail(owner, 'kind', `'${this.kind}'`, state.kind);
    const n = this.target.groupCount;
    const options = resolvePlateauOptions(state.options as ReduceLROnPlateauOptions, n);
    const lastEpoch = integer(owner, 'lastEpoch', state.lastEpoch, 0);
    const lastLr = numberArray(owner, 'lastLr', state.lastLr, n);
    const numBadEpochs = integer(owner, 'numBadEpochs', state.numBadEpochs, 0);
    const cooldownCounter = integer(owner, 'cooldownCounter', state.cooldownCounter, 0);
    const worse = options.mode === 'min' ? Infinity : -Infinity;
    const best = state.best === null ? worse : state.best;
    if (typeof best !== 'number' || Number.isNaN(best)) fail(owner, 'best', 'a number (or null for none yet)', best);
    this.options = options;
    this.lastEpoch = lastEpoch;
    this.lastLr = lastLr;
    this.best = best;
    this.numBadEpochs = numBadEpochs;
    this.cooldownCounter = cooldownCounter;
    this.target.setLrs(lastLr);
  }
}

/** Applies defaults and validates; `minLr` becomes one value per group. */
export function resolvePlateauOptions(options: ReduceLROnPlateauOptions, groupCount: number): ResolvedPlateauOptions {
  knownOptions(OWNER, options, OPTION_NAMES);
  const minLr = options.minLr ?? 0;
  let minLrs: number[];
  if (Array.isArray(minLr)) {
    if (minLr.length !== groupCount) fail(OWNER, 'minLr', `one number per param group (${groupCount})`, minLr);
    minLrs = minLr.map((m, i) => finiteNumber(OWNER, `minLr[${i}]`, m, { min: 0 }));
  } else {
    minLrs = new Array(groupCount).fill(finiteNumber(OWNER, 'minLr', minLr, { min: 0 }));
  }
  const verbose = options.verbose ?? false;
  if (typeof verbose !== 'boolean') fail(OWNER, 'verbose', 'a boolean', verbose);
  return {
    mode: oneOf(OWNER, 'mode', options.mode ?? 'min', ['min', 'max'] as const),
    factor: finiteNumber(OWNER, 'factor', options.factor ?? 0.1, { min: 0, max: 1, maxExclusive: true }),
    patience: integer(OWNER, 'patience', options.patience ?? 10, 0),
    threshold: finiteNumber(OWNER, 'threshold', options.threshold ?? 1e-4, { min: 0 }),
    thresholdMode: oneOf(OWNER, 'thresholdMode', options.thresholdMode ?? 'rel', ['rel', 'abs'] as const),
    cooldown: integer(OWNER, 'cooldown', options.cooldown ?? 0, 0),
    minLr: minLrs,
    eps: finiteNumber(OWNER, 'eps', options.eps ?? 1e-8, { min: 0 }),
    verbose,
  };
}

function metricNumber(metric: MetricValue): number {
  if (typeof metric === 'number') return metric;
  if (typeof metric === 'object' && metric !== null && typeof metric.dataSync === 'function' && metric.size === 1) {
    return metric.dataSync()[0]!;
  }
  throw new TypeError(`${OWNER}.step: metric must be a number or a one-element tensor, got ${
    typeof metric === 'object' ? JSON.stringify(metric) : String(metric)}`);
}

/** torch prints epochs as %.5d. */
function formatEpoch(epoch: number): string {
  return String(epoch).padStart(5, '0');
}

/** Python's '%.4e' (two-digit exponent), as torch prints learning rates. */
export function formatLr(lr: number): string {
  const [mantissa, exponent] = lr.toExponential(4).split('e');
  const e = Number(exponent);
  return `${mantissa}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
}
