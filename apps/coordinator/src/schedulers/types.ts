/** What a scheduler recorded at a rung for one trial (persisted, so a resumed study decides the same way). */
export interface RungRecord {
  trialId: number;
  rung: number;
  epoch: number;
  value: number;
  /** Results recorded at this rung when the decision was made, including this one. */
  seen: number;
  /** How many of them were kept (the top 1/η, at least one). */
  keep: number;
  /** 1-based rank of this trial among them (1 = best). */
  rank: number;
  decision: 'continue' | 'stop';
}

export type SchedulerDecision = { action: 'continue'; record?: RungRecord } | { action: 'stop'; record: RungRecord };

/**
 * Decides, epoch by epoch, whether a trial goes on. Decisions are made as results arrive (asynchronously): no trial
 * waits for others.
 */
export interface TrialScheduler {
  readonly name: string;
  /** Epochs at which decisions are made (empty for FIFO). */
  readonly rungEpochs: readonly number[];
  onEpoch(trialId: number, epoch: number, value: number): SchedulerDecision;
  /** Reloads decisions recorded earlier (resume). */
  restore(records: readonly RungRecord[]): void;
  records(): RungRecord[];
}
