import { LinearLR } from './linear-lr.js';
import type { LRScheduler, SchedulerStateDict } from './scheduler.js';
import { lrHandle, type LrHandle, type SchedulerTarget } from './target.js';
import { fail, finiteNumber, integer, knownOptions, numberArray } from './validate.js';

export interface LinearWarmupOptions {
  /** Warmup length in scheduler steps (epochs): the main scheduler takes over at this step. At least 1. */
  epochs: number;
  /** lr factor of the first warmup epoch, in (0, 1]; it rises linearly to 1 at `epochs`. Default 1/3 (torch's LinearLR). */
  startFactor?: number;
}

/** Builds the main scheduler on the given target; called when warmup ends (and once at construction, to check its options). */
export type MainSchedulerFactory = (target: SchedulerTarget) => LRScheduler;

const OWNER = 'LinearWarmup';

function parseOptions(options: LinearWarmupOptions): Required<LinearWarmupOptions> {
  knownOptions(OWNER, options, ['epochs', 'startFactor']);
  return {
    epochs: integer(OWNER, 'epochs', options.epochs, 1),
    startFactor: finiteNumber(OWNER, 'startFactor', options.startFactor ?? 1 / 3, { min: 0, minExclusive: true, max: 1 }),
  };
}

/**
 * Linear warmup chained before any scheduler, as torch's
 * `SequentialLR(opt, [LinearLR(opt, start_factor, 1.0, total_iters=epochs), main], milestones=[epochs])`: for the first
 * `epochs` steps the lr rises linearly from startFactor·lr to lr; at step `epochs` the lr is the initial lr again and
 * `main` starts as if just constructed (torch's `main.step(0)`), then steps on. `main` may be null (constant lr after
 * warmup) or a ReduceLROnPlateau, which torch's SequentialLR cannot chain: it then sees the metrics of the steps after
 * the milestone, warmup epochs' metrics being no measure of a plateau. `step(metric)` passes the metric on.
 * @example
 * const sched = new LinearWarmup(optimizer, { epochs: 3, startFactor: 0.1 }, (t) => new CosineAnnealingLR(t, { tMax: 20 }));
 * for (let epoch = 0; epoch < 23; epoch++) { train(); sched.step(valLoss); }
 */
export class LinearWarmup implements LRScheduler {
  readonly kind = 'LinearWarmup';
  private readonly handle: LrHandle;
  private readonly options: Required<LinearWarmupOptions>;
  private readonly warmup: LinearLR;
  private main: LRScheduler | null = null;
  /** Steps since construction (0 right after it), torch's SequentialLR `last_epoch`. */
  lastEpoch = 0;
  private lastLr: number[];

  constructor(private readonly target: SchedulerTarget, options: LinearWarmupOptions, private readonly createMain: MainSchedulerFactory | null = null) {
    this.options = parseOptions(options);
    this.handle = lrHandle(target);
    // Check the main scheduler's options now, on a stand-in (constructing some schedulers changes the lr).
    if (createMain) createMain({ paramGroups: this.handle.getLrs().map((lr) => ({ lr })) });
    this.warmup = new LinearLR(target, { startFactor: this.options.startFactor, endFactor: 1, totalIters: this.options.epochs });
    this.lastLr = this.handle.getLrs();
  }

  /** True once the main scheduler drives the lr. */
  get warmedUp(): boolean {
    return this.lastEpoch >= this.options.epochs;
  }

  step(metric?: number): void {
    this.lastEpoch += 1;
    const { epochs } = this.options;
    if (this.lastEpoch < epochs) this.warmup.step();
    else if (this.lastEpoch === epochs) this.startMain();
    else this.main?.step(metric as number);
    this.lastLr = this.handle.getLrs();
  }

  private startMain(): void {
    this.handle.setLrs(this.handle.initialLrs());
    this.main = this.createMain ? this.createMain(this.target) : null;
  }

  getLastLr(): number[] {
    return [...this.lastLr];
  }

  stateDict(): SchedulerStateDict {
    return {
      kind: this.kind, options: { ...this.options }, lastEpoch: this.lastEpoch, lastLr: [...this.lastLr],
      warmup: this.warmup.stateDict(), main: this.main ? this.main.stateDict() : null,
    };
  }

  /** Restores a {@link stateDict}: validated before anything changes (but the main scheduler's own state). */
  loadStateDict(state: SchedulerStateDict): void {
    const owner = `${OWNER}.loadStateDict`;
    if (typeof state !== 'object' || state === null) fail(owner, 'state', 'an object from stateDict()', state);
    if (state.kind !== this.kind) fail(owner, 'kind', `'${this.kind}'`, state.kind);
    const options = parseOptions(state.options as unknown as LinearWarmupOptions);
    if (options.epochs !== this.options.epochs || options.startFactor !== this.options.startFactor) {
      fail(owner, 'options', JSON.stringify(this.options), JSON.stringify(options));
    }
    const lastEpoch = integer(owner, 'lastEpoch', state.lastEpoch, 0);
    const lastLr = numberArray(owner, 'lastLr', state.lastLr, this.handle.groupCount);
    const main = state.main as SchedulerStateDict | null;
    if (lastEpoch >= options.epochs && this.createMain && !main) fail(owner, 'main', 'the main scheduler state after warmup', main);
    this.warmup.loadStateDict(state.warmup as SchedulerStateDict);
    this.lastEpoch = lastEpoch;
    if (lastEpoch >= options.epochs && this.createMain) {
      this.main = this.createMain(this.target);
      this.main.loadStateDict(main!);
    } else {
      this.main = null;
    }
    this.lastLr = lastLr;
    this.handle.setLrs(lastLr);
  }
}
