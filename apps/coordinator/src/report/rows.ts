import type { Objective } from '../spec/schema.js';
import type { MetricRow, TrialRow } from '../storage/types.js';

/** One row of the sweep table: a trial's hyper-parameters and how it ended. */
export interface ReportRow {
  /** 1-based place by objective; crashed and failed trials come last. */
  rank: number;
  trial: number;
  state: TrialRow['state'];
  params: Record<string, unknown>;
  epochs: number;
  /** The lr of the trial's last epoch (after any lr schedule). */
  finalLr: number | null;
  top1: number | null;
  top5: number | null;
  objective: number | null;
  crashedEpoch: number | null;
}

/** A column of hyper-parameters: its dotted path, short header and dimension kind. */
export interface ParamColumn {
  path: string;
  header: string;
  kind: string;
}

/**
 * The parameter columns of a study: every leaf path any trial took, headed by its last segment (`optimizer.lr` → lr,
 * `optimizer.name` → optimizer) unless two paths would share a header.
 */
export function paramColumns(trials: TrialRow[]): ParamColumn[] {
  const kinds = new Map<string, string>();
  for (const t of trials) for (const p of t.params) if (!kinds.has(p.name)) kinds.set(p.name, p.kind);
  const short = (path: string) => {
    const parts = path.split('.');
    return parts[parts.length - 1] === 'name' && parts.length > 1 ? parts[parts.length - 2]! : parts[parts.length - 1]!;
  };
  const counts = new Map<string, number>();
  for (const path of kinds.keys()) counts.set(short(path), (counts.get(short(path)) ?? 0) + 1);
  return [...kinds].map(([path, kind]) => ({ path, header: counts.get(short(path))! > 1 ? path : short(path), kind }));
}

const finite = (v: number | undefined) => (v !== undefined && Number.isFinite(v) ? v : null);

/**
 * The study's trials as table rows, best first by the objective (ties by trial number); crashed and failed trials,
 * which have no result, last.
 *
 * @example
 * const rows = reportRows(store.trials(id), store.metrics(id), { metric: 'valAccuracy', mode: 'max' });
 */
export function reportRows(trials: TrialRow[], metrics: MetricRow[], objective: Objective): ReportRow[] {
  const lastMetrics = new Map<number, MetricRow>();
  for (const m of metrics) {
    const prior = lastMetrics.get(m.trialId);
    if (!prior || m.epoch > prior.epoch) lastMetrics.set(m.trialId, m);
  }
  const rows = trials.map((t) => {
    const last = lastMetrics.get(t.id)?.metrics ?? {};
    const scored = t.state !== 'crashed' && t.state !== 'failed' && t.objective !== null;
    return {
      rank: 0, trial: t.number, state: t.state,
      params: Object.fromEntries(t.params.map((p) => [p.name, p.value])),
      epochs: t.state === 'crashed' ? (t.crashedEpoch ?? t.epochs) : t.epochs,
      finalLr: finite(last.lr), top1: scored ? finite(last.valAccuracy) : null, top5: scored ? finite(last.valTop5) : null,
      objective: scored ? t.objective : null, crashedEpoch: t.crashedEpoch,
    };
  });
  const sign = objective.mode === 'max' ? -1 : 1;
  rows.sort((a, b) => {
    if (a.objective === null || b.objective === null) return a.objective === b.objective ? a.trial - b.trial : a.objective === null ? 1 : -1;
    return sign * (a.objective - b.objective) || a.trial - b.trial;
  });
  rows.forEach((r, i) => (r.rank = i + 1));
  return rows;
}
