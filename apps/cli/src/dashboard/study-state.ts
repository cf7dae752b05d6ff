import { chartPayload, formatParam, paramColumns, SqliteStudyStore, studyCharts, type StudySpec, type TrialRow } from '@tensorfleet/coordinator';
import type { DashboardState, TrialTable } from './state.js';

const objective = (v: number | null) => (v === null ? '' : String(Number(v.toPrecision(4))));

function trialTable(trials: TrialRow[], metric: string): TrialTable {
  const columns = paramColumns(trials);
  return {
    headers: ['trial', 'state', ...columns.map((c) => c.header), 'epochs', metric],
    rows: trials.map((t) => ({
      trial: t.number, state: t.state,
      cells: [String(t.number), t.state === 'crashed' ? `crashed@${t.crashedEpoch ?? t.epochs}` : t.state, ...columns.map((c) => formatParam(t.params.find((p) => p.name === c.path)?.value, c.kind)), String(t.epochs), objective(t.objective)],
    })),
  };
}

/**
 * A study's dashboard state from its SQLite storage, opened read-only (a running coordinator is never disturbed):
 * the trial table, and the charts of the sweep report (best so far, parallel coordinates, importance, curves, rungs).
 *
 * @example
 * const state = studyState('runs/hpo/studies.sqlite', 'regularization-sweep');
 */
export function studyState(storage: string, name: string): DashboardState {
  const store = new SqliteStudyStore(storage, { readonly: true });
  try {
    const study = store.getStudy(name);
    if (!study) throw new Error(`no study "${name}" in ${storage}`);
    const spec = study.spec as StudySpec;
    const trials = store.trials(study.id);
    const metrics = store.metrics(study.id);
    const rungs = store.rungs(study.id);
    const counts: Record<string, number> = {};
    for (const t of trials) counts[t.state] = (counts[t.state] ?? 0) + 1;
    const metric = spec.objective.metric;
    const scored = trials.filter((t) => t.objective !== null && t.state !== 'crashed' && t.state !== 'failed');
    const best = scored.reduce<TrialRow | null>((b, t) => (b === null || (spec.objective.mode === 'max' ? t.objective! > b.objective! : t.objective! < b.objective!) ? t : b), null);
    return {
      kind: 'study', title: `Study ${study.name}`,
      status: `${study.state}: ${trials.length} of ${study.trialsPlanned} trials started (${Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(', ') || 'none yet'})`,
      step: null,
      facts: [
        ['searcher', `${spec.searcher} (seed ${spec.seed})`],
        ['scheduler', spec.scheduler.name === 'asha' ? `asha (η=${spec.scheduler.reductionFactor}, min ${spec.scheduler.minEpochs} epochs)` : spec.scheduler.name],
        ['objective', `${spec.objective.mode} ${metric}`],
        ['epochs spent', String(trials.reduce((s, t) => s + t.epochs, 0))],
        ['best', best ? `trial ${best.number}: ${objective(best.objective)}` : '–'],
        ['storage', storage],
      ],
      workers: null,
      trials: trialTable(trials, metric),
      alerts: store.errors(study.id).slice(-8).map((e) => `${new Date(e.at).toISOString().slice(11, 19)} ${e.kind}${e.trialId === null ? '' : ` trial ${trials.find((t) => t.id === e.trialId)?.number ?? '?'}`}: ${e.message}`),
      charts: studyCharts({ spec, trials, metrics, rungs }).map(({ id, chart }) => chartPayload(chart, id)),
    };
  } finally {
    store.close();
  }
}
