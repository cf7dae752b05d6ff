import type { PushMessage } from '@tensorfleet/protocol';

/**
 * The sums an epoch's line is made of, over the epoch's steps so far: per step, the mean over the workers that pushed
 * of their loss and compute/communication ms, and the total samples and right predictions. A mid-epoch checkpoint
 * stores them, so an epoch resumed from there reports the average of all its steps, not only of those after the resume.
 */
export interface EpochTotals {
  steps: number;
  lossSum: number;
  computeMs: number;
  commMs: number;
  samples: number;
  correct: number;
  /** Seconds the epoch had run before this process took it over (a resume); 0 otherwise. */
  priorSeconds: number;
}

export const emptyEpochTotals = (): EpochTotals => ({ steps: 0, lossSum: 0, computeMs: 0, commMs: 0, samples: 0, correct: 0, priorSeconds: 0 });

/** Adds one applied step's pushes to `totals`. */
export function addStep(totals: EpochTotals, pushes: readonly PushMessage[]): void {
  const n = pushes.length;
  totals.steps += 1;
  totals.lossSum += pushes.reduce((s, p) => s + p.loss, 0) / n;
  totals.computeMs += pushes.reduce((s, p) => s + p.computeMs, 0) / n;
  totals.commMs += pushes.reduce((s, p) => s + p.commMs, 0) / n;
  totals.samples += pushes.reduce((s, p) => s + p.count, 0);
  totals.correct += pushes.reduce((s, p) => s + p.correct, 0);
}

/** Checks totals read back from a checkpoint: every field a finite, non-negative number. */
export function isEpochTotals(t: unknown): t is EpochTotals {
  if (t === null || typeof t !== 'object') return false;
  return Object.keys(emptyEpochTotals()).every((k) => {
    const v = (t as Record<string, unknown>)[k];
    return typeof v === 'number' && Number.isFinite(v) && v >= 0;
  });
}
