import * as tf from '@tensorflow/tfjs';
import {
  ReduceLROnPlateau, resolvePlateauOptions, type ReduceLROnPlateauOptions,
} from './reduce-lr-on-plateau.js';
import type { EpochScheduler } from './scheduler.js';
import type { SchedulerTarget } from './target.js';

type Logs = { [key: string]: number | tf.Scalar } | undefined;

export interface ReduceLROnPlateauCallbackOptions extends ReduceLROnPlateauOptions {
  /** Key of the epoch logs to watch, default 'val_loss' (tfjs names validation metrics 'val_<name>'). */
  monitor?: string;
}

function optimizerOf(model: tf.LayersModel | null, who: string): tf.Optimizer {
  const opt = model?.optimizer;
  if (opt == null) throw new Error(`${who}: the model has no optimizer; call model.compile({optimizer, loss}) before fit`);
  return opt;
}

/**
 * model.fit callback driving the model's optimizer with a {@link ReduceLROnPlateau}. State (best, bad epochs,
 * cooldown) carries over between fit calls, so `fit({epochs: 1})` in a loop behaves like one long fit; make a new
 * callback to start afresh. Each epoch's logs get `lr`: the lr that epoch trained with (Keras's convention), so
 * `history.history.lr` shows the schedule.
 */
export class ReduceLROnPlateauCallback extends tf.Callback {
  readonly monitor: string;
  private readonly schedulerOptions: ReduceLROnPlateauOptions;
  private current: ReduceLROnPlateau | undefined;
  private boundTo: tf.Optimizer | undefined;

  constructor(options: ReduceLROnPlateauCallbackOptions = {}) {
    super();
    const { monitor = 'val_loss', ...schedulerOptions } = options;
    if (typeof monitor !== 'string' || monitor === '') {
      throw new RangeError(`reduceLROnPlateau: option 'monitor' must be a non-empty string, got ${String(monitor)}`);
    }
    // Validate now (a typo should fail before training starts); a tfjs optimizer has one param group.
    resolvePlateauOptions(schedulerOptions, Array.isArray(schedulerOptions.minLr) ? schedulerOptions.minLr.length : 1);
    this.monitor = monitor;
    this.schedulerOptions = schedulerOptions;
  }

  /** The scheduler driving the current model's optimizer (undefined before the first fit). */
  get scheduler(): ReduceLROnPlateau | undefined {
    return this.current;
  }

  private bind(): ReduceLROnPlateau {
    const opt = optimizerOf(this.model, 'reduceLROnPlateau');
    if (this.current === undefined || this.boundTo !== opt) {
      this.current = new ReduceLROnPlateau(opt as unknown as SchedulerTarget, this.schedulerOptions);
      this.boundTo = opt;
    }
    return this.current;
  }

  override async onTrainBegin(): Promise<void> {
    this.bind();
  }

  override async onEpochEnd(epoch: number, logs?: Logs): Promise<void> {
    const scheduler = this.bind();
    const value = logs?.[this.monitor];
    if (value == null) {
      const keys = Object.keys(logs ?? {});
      const hint = this.monitor.startsWith('val_') && !keys.some((k) => k.startsWith('val_'))
        ? ' (validation metrics need validationData or validationSplit in model.fit)' : '';
      throw new Error(`reduceLROnPlateau: monitored metric '${this.monitor}' is missing from the logs of epoch ${
        epoch}; available: ${keys.length ? keys.join(', ') : '(none)'}${hint}`);
    }
    const metric = typeof value === 'number' ? value : (await value.data())[0]!;
    logs!['lr'] = scheduler.getLastLr()[0]!;
    scheduler.step(metric);
  }
}

/**
 * A model.fit callback that reduces the model optimizer's learning rate when `monitor` stops improving; every
 * option is {@link ReduceLROnPlateau}'s.
 * @example
 * model.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
 * const history = await model.fit(x, y, {
 *   epochs: 30, validationSplit: 0.1,
 *   callbacks: [reduceLROnPlateau({ monitor: 'val_loss', factor: 0.5, patience: 2, verbose: true })],
 * });
 * history.history.lr; // the lr each epoch trained with
 */
export function reduceLROnPlateau(options: ReduceLROnPlateauCallbackOptions = {}): ReduceLROnPlateauCallback {
  return new ReduceLROnPlateauCallback(options);
}

/**
 * model.fit callback stepping an epoch scheduler once per epoch. `make` receives the model's optimizer at the first
 * fit (and again if the model is re-compiled with another optimizer). Writes `lr` into each epoch's logs.
 */
export class LRSchedulerCallback extends tf.Callback {
  private current: EpochScheduler | undefined;
  private boundTo: tf.Optimizer | undefined;

  constructor(private readonly make: (target: SchedulerTarget) => EpochScheduler) {
    super();
    if (typeof make !== 'function') {
      throw new TypeError(`lrSchedulerCallback: expected a function (optimizer) => scheduler, got ${typeof make}`);
    }
  }

  /** The scheduler driving the current model's optimizer (undefined before the first fit). */
  get scheduler(): EpochScheduler | undefined {
    return this.current;
  }

  private bind(): EpochScheduler {
    const opt = optimizerOf(this.model, 'lrSchedulerCallback');
    if (this.current === undefined || this.boundTo !== opt) {
      const made = this.make(opt as unknown as SchedulerTarget);
      if (made instanceof ReduceLROnPlateau) {
        throw new TypeError('lrSchedulerCallback: ReduceLROnPlateau needs a metric; use reduceLROnPlateau({monitor}) instead');
      }
      if (typeof made?.step !== 'function' || typeof made.getLastLr !== 'function') {
        throw new TypeError('lrSchedulerCallback: make() must return a scheduler (with step() and getLastLr())');
      }
      this.current = made;
      this.boundTo = opt;
    }
    return this.current;
  }

  override async onTrainBegin(): Promise<void> {
    this.bind();
  }

  override async onEpochEnd(_epoch: number, logs?: Logs): Promise<void> {
    const scheduler = this.bind();
    if (logs) logs['lr'] = scheduler.getLastLr()[0]!;
    scheduler.step();
  }
}

/**
 * Wraps an epoch scheduler for model.fit: built from the model's optimizer when training starts, stepped after
 * every epoch.
 * @example
 * await model.fit(x, y, {
 *   epochs: 20,
 *   callbacks: [lrSchedulerCallback((opt) => new CosineAnnealingLR(opt, { tMax: 20, etaMin: 1e-5 }))],
 * });
 */
export function lrSchedulerCallback(make: (target: SchedulerTarget) => EpochScheduler): LRSchedulerCallback {
  return new LRSchedulerCallback(make);
}
