import type { JobHandle } from '../launch/types.js';
import type { Allocation } from '../resources/slots.js';
import type { RungRecord } from '../schedulers/types.js';
import { finiteOrNull, StorageLookupError, type NewStudy, type NewTrial, type StudyStore, type TrialOutcome } from './store.js';
import type { ErrorRow, MetricRow, StudyRow, TransitionRow, TrialRow, TrialState } from './types.js';

/**
 * A study store in this process's memory: the same behaviour as SqliteStudyStore without a file, for tests, notebooks
 * and programs embedding the coordinator. Nothing survives the process, so a study in it cannot be resumed by another.
 *
 * @example
 * const store = new MemoryStudyStore();
 * const { trials } = await runStudy({ spec, storage: store });
 */
export class MemoryStudyStore implements StudyStore {
  readonly path = null;
  private readonly studies: StudyRow[] = [];
  private readonly trialRows = new Map<number, TrialRow>();
  private metricRows: MetricRow[] = [];
  private readonly rungRows: RungRecord[] = [];
  private readonly transitionRows: TransitionRow[] = [];
  private readonly errorRows: (ErrorRow & { studyId: number })[] = [];
  private nextTrialId = 1;

  close(): void {}

  getStudy(name: string): StudyRow | null {
    const study = this.studies.find((s) => s.name === name);
    return study ? structuredClone(study) : null;
  }

  requireStudy(name: string): StudyRow {
    const study = this.getStudy(name);
    if (study) return study;
    const known = this.studies.map((s) => s.name);
    throw new StorageLookupError(`no study "${name}" in the in-memory store${known.length ? ` (it has: ${known.join(', ')})` : ' (it has none)'}`);
  }

  listStudies(): StudyRow[] {
    return structuredClone(this.studies);
  }

  createStudy(study: NewStudy): StudyRow {
    if (this.studies.some((s) => s.name === study.name)) throw new Error(`a study named "${study.name}" already exists`);
    const now = Date.now();
    this.studies.push({ ...structuredClone(study), id: this.studies.length + 1, state: 'running', coordinatorPid: null, coordinatorStart: null, createdAt: now, updatedAt: now });
    return this.getStudy(study.name)!;
  }

  private study(studyId: number): StudyRow {
    const study = this.studies.find((s) => s.id === studyId);
    if (!study) throw new Error(`no study with id ${studyId}`);
    return study;
  }

  claimStudy(studyId: number, pid: number, start: string | null): void {
    Object.assign(this.study(studyId), { coordinatorPid: pid, coordinatorStart: start, state: 'running', updatedAt: Date.now() });
  }

  finishStudy(studyId: number): void {
    Object.assign(this.study(studyId), { coordinatorPid: null, coordinatorStart: null, state: 'finished', updatedAt: Date.now() });
  }

  private row(trialId: number): TrialRow {
    const row = this.trialRows.get(trialId);
    if (!row) throw new Error(`no trial with id ${trialId}`);
    return row;
  }

  private numberOf(trialId: number): number {
    return this.row(trialId).number;
  }

  private ofStudy(studyId: number): (entry: { trialId: number | null }) => boolean {
    return (entry) => entry.trialId !== null && this.trialRows.get(entry.trialId)?.studyId === studyId;
  }

  trials(studyId: number): TrialRow[] {
    return structuredClone([...this.trialRows.values()].filter((t) => t.studyId === studyId).sort((a, b) => a.number - b.number));
  }

  trial(trialId: number): TrialRow {
    return structuredClone(this.row(trialId));
  }

  private transition(trialId: number, from: TrialState | null, to: TrialState, detail: string | null): void {
    this.transitionRows.push({ trialId, at: Date.now(), from, to, detail });
  }

  createTrial(studyId: number, trial: NewTrial): TrialRow {
    this.study(studyId);
    if ([...this.trialRows.values()].some((t) => t.studyId === studyId && t.number === trial.number)) {
      throw new Error(`study ${studyId} already has a trial number ${trial.number}`);
    }
    const id = this.nextTrialId++;
    this.trialRows.set(id, {
      id, studyId, number: trial.number, state: 'pending', assignment: structuredClone(trial.assignment), config: structuredClone(trial.config),
      attempt: 0, handle: null, allocation: null, epochs: 0, epochBase: null, crashedEpoch: null, objective: null, summary: null,
      params: structuredClone(trial.params), createdAt: Date.now(), startedAt: null, finishedAt: null,
    });
    this.transition(id, null, 'pending', 'created');
    return this.trial(id);
  }

  startTrial(trialId: number, handle: JobHandle, allocation: Allocation, detail: string): number {
    const row = this.row(trialId);
    const prior = row.state;
    Object.assign(row, { state: 'running', attempt: row.attempt + 1, handle: structuredClone(handle), allocation: structuredClone(allocation), startedAt: row.startedAt ?? Date.now() });
    this.transition(trialId, prior, 'running', `${detail} (attempt ${row.attempt})`);
    return row.attempt;
  }

  requeueTrial(trialId: number, detail: string): void {
    const row = this.row(trialId);
    const prior = row.state;
    Object.assign(row, { state: 'pending', handle: null });
    this.transition(trialId, prior, 'pending', detail);
  }

  recordEpoch(trialId: number, attempt: number, epoch: number, epochBase: number, metrics: Record<string, number>, objective: number): void {
    const row = this.row(trialId);
    this.metricRows = this.metricRows.filter((m) => m.trialId !== trialId || m.epoch < epoch);
    this.metricRows.push({ trialId, epoch, attempt, metrics: structuredClone(metrics), recordedAt: Date.now() });
    Object.assign(row, { epochs: epoch, epochBase, objective: finiteOrNull(objective) });
  }

  backfillEpochs(trialId: number, attempt: number, epochs: { epoch: number; metrics: Record<string, number> }[]): number {
    this.row(trialId);
    let added = 0;
    for (const e of epochs) {
      if (this.metricRows.some((m) => m.trialId === trialId && m.epoch === e.epoch)) continue;
      this.metricRows.push({ trialId, epoch: e.epoch, attempt, metrics: structuredClone(e.metrics), recordedAt: Date.now() });
      added++;
    }
    return added;
  }

  recordRung(record: RungRecord): void {
    this.row(record.trialId);
    if (!this.rungRows.some((r) => r.trialId === record.trialId && r.rung === record.rung)) {
      this.rungRows.push({ ...record, value: finiteOrNull(record.value) ?? Number.NaN });
    }
    if (record.decision === 'stop') {
      this.finishTrial(record.trialId, {
        state: 'stopped', objective: record.value,
        detail: `asha: rank ${record.rank} of ${record.seen} at rung ${record.rung} (epoch ${record.epoch}), keeps ${record.keep}`,
      });
    }
  }

  rungs(studyId: number): RungRecord[] {
    return structuredClone(this.rungRows.filter(this.ofStudy(studyId)));
  }

  finishTrial(trialId: number, outcome: TrialOutcome): boolean {
    const row = this.row(trialId);
    if (row.state !== 'running' && row.state !== 'pending') return false;
    const prior = row.state;
    Object.assign(row, {
      state: outcome.state, crashedEpoch: outcome.crashedEpoch ?? null,
      objective: outcome.objective === undefined ? row.objective : finiteOrNull(outcome.objective),
      summary: outcome.summary ? structuredClone(outcome.summary) : null, handle: null, finishedAt: Date.now(),
    });
    this.transition(trialId, prior, outcome.state, outcome.detail);
    if (outcome.error) this.recordError(row.studyId, trialId, outcome.error.kind, outcome.error.message);
    return true;
  }

  recordError(studyId: number, trialId: number | null, kind: string, message: string): void {
    this.study(studyId);
    this.errorRows.push({ studyId, trialId, at: Date.now(), kind, message });
  }

  metrics(studyId: number): MetricRow[] {
    const rows = this.metricRows.filter(this.ofStudy(studyId));
    return structuredClone(rows.sort((a, b) => this.numberOf(a.trialId) - this.numberOf(b.trialId) || a.epoch - b.epoch));
  }

  transitions(studyId: number): TransitionRow[] {
    return structuredClone(this.transitionRows.filter(this.ofStudy(studyId)));
  }

  errors(studyId: number): ErrorRow[] {
    return this.errorRows.filter((e) => e.studyId === studyId).map(({ studyId: _, ...e }) => structuredClone(e));
  }
}
