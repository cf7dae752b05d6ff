import { lrHandle, type LrHandle, type SchedulerTarget } from './target.js';
import { fail, integer, numberArray } from './validate.js';

/** What every scheduler offers; `step` takes the monitored metric for ReduceLROnPlateau and nothing otherwise. */
export interface LRScheduler {
  step(metric: number): void;
  /** The learning rate of each group after the last `step()` (torch's `get_last_lr()`). */
  getLastLr(): number[];
  stateDict(): SchedulerStateDict;
  loadStateDict(state: SchedulerStateDict): void;
}

/** A scheduler stepped once per epoch without a metric (StepLR, MultiStepLR, ExponentialLR, CosineAnnealingLR, LinearLR). */
export interface EpochScheduler extends LRScheduler {
  step(): void;
}

/** A scheduler's checkpoint: plain numbers, strings and arrays (JSON/msgpack/structured-clone friendly). */
export interface SchedulerStateDict {
  kind: string;
  options: Record<string, unknown>;
  lastEpoch: number;
  lastLr: number[];
  [field: string]: unknown;
}

/**
 * Base of the epoch schedulers. Like torch's `_LRScheduler` it uses the chainable ("recursive") form: each step
 * derives the new lr from the lr currently in the group, so several schedulers can drive one optimizer, and it takes
 * one step at construction (`lastEpoch` -1 → 0), which for LinearLR already applies `startFactor`.
 */
export abstract class EpochLRScheduler<Options extends object> implements EpochScheduler {
  protected readonly target: LrHandle;
  protected options: Required<Options>;
  /** Number of `step()` calls since construction (torch's `last_epoch`; 0 right after construction). */
  lastEpoch = -1;
  /** Each group's lr when the first scheduler attached to it (torch's `initial_lr`). */
  baseLrs: number[];
  protected lastLr: number[] = [];

  protected constructor(target: SchedulerTarget, options: Required<Options>) {
    this.target = lrHandle(target);
    this.options = options;
    this.baseLrs = this.target.initialLrs();
  }

  /** The scheduler's class name, recorded in its state dict. */
  abstract readonly kind: string;

  /** torch's `get_lr()` for `lastEpoch`, from the groups' current learning rates. */
  protected abstract computeLr(current: number[]): number[];

  /** Validates options (constructor and loadStateDict share it). */
  protected abstract parseOptions(options: unknown): Required<Options>;

  /** Subclasses call this last in their constructor: torch's `_initial_step`. */
  protected initialStep(): void {
    this.step();
  }

  /** Advances one epoch and writes the new learning rates into the target. */
  step(): void {
    this.lastEpoch += 1;
    this.target.setLrs(this.computeLr(this.target.getLrs()));
    this.lastLr = this.target.getLrs();
  }

  getLastLr(): number[] {
    return [...this.lastLr];
  }

  stateDict(): SchedulerStateDict {
    return {
      kind: this.kind,
      options: structuredClone(this.options) as Record<string, unknown>,
      lastEpoch: this.lastEpoch,
      baseLrs: [...this.baseLrs],
      lastLr: [...this.lastLr],
    };
  }

  /**
   * Restores a state from {@link stateDict}: validated entirely before anything changes. Unlike torch it also writes
   * `lastLr` into the target, because a tfjs optimizer's lr is in no checkpoint of its own; for a core optimizer
   * restored from the same checkpoint that write changes nothing.
   */
  loadStateDict(state: SchedulerStateDict): void {
    const owner = `${this.kind}.loadStateDict`;
    if (typeof state !== 'object' || state === null) fail(owner, 'state', 'an object from stateDict()', state);
    if (state.kind !== this.kind) fail(owner, 'kind', `'${this.kind}'`, state.kind);
    const options = this.parseOptions(state.options);
    const lastEpoch = integer(owner, 'lastEpoch', state.lastEpoch, 0);
    const n = this.target.groupCount;
    const baseLrs = numberArray(owner, 'baseLrs', state.baseLrs, n);
    const lastLr = numberArray(owner, 'lastLr', state.lastLr, n);
    this.options = options;
    this.lastEpoch = lastEpoch;
    this.baseLrs = baseLrs;
    this.lastLr = lastLr;
    this.target.setLrs(lastLr);
  }
}
