import type { RungRecord, SchedulerDecision, TrialScheduler } from './types.js';

/** ASHA's options, named as in Li et al. 2018 (η = reductionFactor, r = minEpochs, R = maxEpochs). */
export interface AshaOptions {
  reductionFactor?: number;
  minEpochs?: number;
  maxEpochs: number;
  mode: 'max' | 'min';
}

/**
 * Asynchronous successive halving (Li et al. 2018, "A System for Massively Parallel Hyperparameter Tuning") as a
 * stopping rule. Rungs sit at epochs r·η^k below R. When a trial reaches a rung it is ranked among every result
 * recorded at that rung so far (itself included); it goes on only if it is in the top max(1, ⌊n/η⌋), else it stops.
 * Nobody waits for a full bracket: the first trial at a rung always goes on, later ones must beat the rung's record.
 * A non-finite value ranks last.
 *
 * @example
 * const asha = new AshaScheduler({ reductionFactor: 3, minEpochs: 1, maxEpochs: 9, mode: 'max' }); // rungs at 1, 3
 * asha.onEpoch(0, 1, 0.5).action; // 'continue' (first at rung 0)
 */
export class AshaScheduler implements TrialScheduler {
  readonly name = 'asha';
  readonly rungEpochs: readonly number[];
  readonly reductionFactor: number;
  private readonly mode: 'max' | 'min';
  private readonly byRung: Map<number, RungRecord[]> = new Map();
  private readonly byTrialRung: Map<string, RungRecord> = new Map();

  constructor(options: AshaOptions) {
    const eta = options.reductionFactor ?? 3;
    const min = options.minEpochs ?? 1;
    if (!(eta > 1)) throw new RangeError(`asha reductionFactor must be > 1, got ${eta}`);
    if (!Number.isInteger(min) || min < 1) throw new RangeError(`asha minEpochs must be an integer >= 1, got ${min}`);
    if (options.maxEpochs < min) throw new RangeError(`asha maxEpochs (${options.maxEpochs}) must be >= minEpochs (${min})`);
    const rungs: number[] = [];
    for (let k = 0; ; k++) {
      const epoch = Math.round(min * eta ** k);
      if (epoch >= options.maxEpochs) break;
      if (rungs[rungs.length - 1] !== epoch) rungs.push(epoch);
    }
    this.rungEpochs = rungs;
    this.reductionFactor = eta;
    this.mode = options.mode;
  }

  private better(a: number, b: number): boolean {
    if (!Number.isFinite(b)) return Number.isFinite(a);
    if (!Number.isFinite(a)) return false;
    return this.mode === 'max' ? a > b : a < b;
  }

  onEpoch(trialId: number, epoch: number, value: number): SchedulerDecision {
    const rung = this.rungEpochs.indexOf(epoch);
    if (rung < 0) return { action: 'continue' };
    const prior = this.byTrialRung.get(`${trialId}:${rung}`);
    if (prior) return prior.decision === 'stop' ? { action: 'stop', record: prior } : { action: 'continue', record: prior };
    const recorded = this.byRung.get(rung) ?? [];
    const seen = recorded.length + 1;
    const keep = Math.max(1, Math.floor(seen / this.reductionFactor));
    const rank = 1 + recorded.filter((r) => this.better(r.value, value)).length;
    const record: RungRecord = { trialId, rung, epoch, value, seen, keep, rank, decision: rank <= keep ? 'continue' : 'stop' };
    this.add(record);
    return record.decision === 'stop' ? { action: 'stop', record } : { action: 'continue', record };
  }

  private add(record: RungRecord): void {
    const list = this.byRung.get(record.rung) ?? [];
    list.push(record);
    this.byRung.set(record.rung, list);
    this.byTrialRung.set(`${record.trialId}:${record.rung}`, record);
  }

  restore(records: readonly RungRecord[]): void {
    for (const record of records) if (!this.byTrialRung.has(`${record.trialId}:${record.rung}`)) this.add({ ...record });
  }

  records(): RungRecord[] {
    return [...this.byRung.values()].flat();
  }
}
