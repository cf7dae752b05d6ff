import type { TrialRow } from '../storage/types.js';
import type { ParamColumn } from './rows.js';

/** How much of the objective's spread one hyper-parameter explains on its own. */
export interface ParamImportance {
  path: string;
  header: string;
  /** ε²: the bias-corrected share of the objective's variance explained by this parameter's main effect, in [0, 1]. */
  importance: number;
  /** Trials with a result that took this parameter. */
  trials: number;
  /** Groups the trials were split into (categories, or equal-count bins of a numeric parameter). */
  groups: number;
}

/** Trials that have a result to learn from (a crash or failure says nothing about the objective's value). */
export const scoredTrials = (trials: TrialRow[]): TrialRow[] =>
  trials.filter((t) => t.objective !== null && Number.isFinite(t.objective) && t.state !== 'crashed' && t.state !== 'failed');

/** Completed trials at least this many: importance is measured on them alone. */
export const minCompletedForImportance = 5;

/**
 * The trials importance is measured on: the completed ones once there are enough, since a trial ASHA stopped at an
 * early rung carries an early-epoch objective, and mixing epochs would credit whatever decided the stopping; else
 * every trial with a result.
 */
export function importanceBasis(trials: TrialRow[]): TrialRow[] {
  const completed = trials.filter((t) => t.state === 'completed' && t.objective !== null && Number.isFinite(t.objective));
  return completed.length >= minCompletedForImportance ? completed : scoredTrials(trials);
}

/** Splits (value, objective) pairs into groups: one per category, or up to five equal-count bins of a sorted number. */
function groupsOf(pairs: { value: unknown; y: number }[], numeric: boolean): number[][] {
  if (!numeric) {
    const byValue = new Map<string, number[]>();
    for (const p of pairs) byValue.set(JSON.stringify(p.value), [...(byValue.get(JSON.stringify(p.value)) ?? []), p.y]);
    return [...byValue.values()];
  }
  // Equal-count bins are invariant to monotone transforms, so a loguniform parameter needs no log here.
  const sorted = [...pairs].sort((a, b) => (a.value as number) - (b.value as number));
  const k = Math.max(2, Math.min(5, Math.round(Math.sqrt(sorted.length))));
  const bins: number[][] = Array.from({ length: k }, () => []);
  sorted.forEach((p, i) => bins[Math.min(k - 1, Math.floor((i * k) / sorted.length))]!.push(p.y));
  return bins.filter((b) => b.length > 0);
}

/**
 * Parameter importance as a first-order variance decomposition, like fANOVA's main effects but without its random
 * forest: for each parameter the trials are grouped by its value (categories, or equal-count bins of a number) and
 * the share of the objective's variance between the groups is measured as ε² = (SS_between − (k−1)·MS_within) /
 * SS_total, which, unlike the plain correlation ratio η², does not credit a parameter for the spread that k random
 * groups would show anyway. Parameters with one value, or fewer than k+1 trials, are left out. Measured on the
 * {@link importanceBasis} trials. Sorted most important first.
 *
 * @example
 * parameterImportance(store.trials(id), paramColumns(trials)); // [{ path: 'optimizer.lr', importance: 0.71, ... }, ...]
 */
export function parameterImportance(trials: TrialRow[], columns: ParamColumn[]): ParamImportance[] {
  const scored = importanceBasis(trials);
  const result: ParamImportance[] = [];
  for (const column of columns) {
    const pairs = scored.flatMap((t) => {
      const p = t.params.find((q) => q.name === column.path);
      return p === undefined || p.value === undefined ? [] : [{ value: p.value, y: t.objective! }];
    });
    const numeric = column.kind !== 'choice' && column.kind !== 'grid' && pairs.every((p) => typeof p.value === 'number');
    const groups = groupsOf(pairs, numeric);
    const n = pairs.length;
    const k = groups.length;
    if (k < 2 || n <= k) continue;
    const mean = pairs.reduce((s, p) => s + p.y, 0) / n;
    const total = pairs.reduce((s, p) => s + (p.y - mean) ** 2, 0);
    const between = groups.reduce((s, g) => s + g.length * (g.reduce((a, b) => a + b, 0) / g.length - mean) ** 2, 0);
    const within = total - between;
    const epsilon2 = total > 0 ? (between - ((k - 1) * within) / (n - k)) / total : 0;
    result.push({ path: column.path, header: column.header, importance: Math.max(0, Math.min(1, epsilon2)), trials: n, groups: k });
  }
  return result.sort((a, b) => b.importance - a.importance || a.path.localeCompare(b.path));
}
