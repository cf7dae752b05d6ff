import { SqliteStudyStore } from '../storage/sqlite-store.js';
import type { StudySpec } from '../spec/schema.js';
import type { StudyRow, TrialRow } from '../storage/types.js';

/** A study's progress: its row, its trials and their counts by state. */
export interface StudyStatus {
  study: StudyRow;
  trials: TrialRow[];
  counts: Record<string, number>;
  epochsSpent: number;
  best: TrialRow | null;
}

/**
 * Reads a study's progress from its storage (works while a coordinator runs it: SQLite WAL readers never block).
 *
 * @example
 * const status = studyStatus('runs/hpo/studies.sqlite', 'regularization-sweep');
 * console.log(formatStatus(status));
 */
export function studyStatus(storage: string, name: string): StudyStatus {
  const store = new SqliteStudyStore(storage, { readonly: true }); // a status never writes, nor creates a storage that is not there
  try {
    const study = store.requireStudy(name);
    const trials = store.trials(study.id);
    const counts: Record<string, number> = {};
    for (const t of trials) counts[t.state] = (counts[t.state] ?? 0) + 1;
    const mode = (study.spec as StudySpec).objective.mode;
    const scored = trials.filter((t) => t.objective !== null && (t.state === 'completed' || t.state === 'stopped' || t.state === 'running'));
    const best = scored.reduce<TrialRow | null>((b, t) => (b === null || (mode === 'max' ? t.objective! > b.objective! : t.objective! < b.objective!) ? t : b), null);
    return { study, trials, counts, epochsSpent: trials.reduce((s, t) => s + t.epochs, 0), best };
  } finally {
    store.close();
  }
}

/** The status as a few lines of text for a terminal. */
export function formatStatus(status: StudyStatus): string {
  const spec = status.study.spec as StudySpec;
  const lines = [
    `study ${status.study.name}: ${status.study.state} (${status.study.outDir})`,
    `trials: ${status.trials.length} of ${status.study.trialsPlanned} created; ${Object.entries(status.counts).map(([k, v]) => `${v} ${k}`).join(', ') || 'none yet'}`,
    `epochs spent: ${status.epochsSpent}`,
  ];
  if (status.best) lines.push(`best so far: trial ${status.best.number} (${status.best.state}), ${spec.objective.metric} = ${status.best.objective}`);
  for (const t of status.trials.filter((x) => x.state === 'running')) {
    lines.push(`  running: trial ${t.number}, epoch ${t.epochs}/${spec.budget.maxEpochs}, ${spec.objective.metric} = ${t.objective ?? '-'}`);
  }
  return lines.join('\n');
}
