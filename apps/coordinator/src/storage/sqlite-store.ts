import Database from 'better-sqlite3';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { JobHandle } from '../launch/types.js';
import type { Allocation } from '../resources/slots.js';
import type { RungRecord } from '../schedulers/types.js';
import { schemaSql, schemaVersion } from './schema.js';
import { finiteOrNull, StorageLookupError, type NewStudy, type NewTrial, type StudyStore, type TrialOutcome } from './store.js';
import type { ErrorRow, MetricRow, ParamRecord, StudyRow, TransitionRow, TrialRow, TrialState } from './types.js';

type Row = Record<string, unknown>;

// JSON has no NaN/Infinity; store them as strings so "diverged" survives a round trip.
const encodeNumbers = (_key: string, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v);
const decodeNumbers = (_key: string, v: unknown) => (v === 'NaN' || v === 'Infinity' || v === '-Infinity' ? Number(v) : v);
const toJson = (v: unknown) => JSON.stringify(v, encodeNumbers);
const fromJson = <T>(text: unknown): T => JSON.parse(String(text), decodeNumbers) as T;

/**
 * Studies, trials, parameters, per-epoch metrics, ASHA rung decisions, state transitions and errors in one SQLite
 * file. Every change that spans rows is one transaction, and the file is in WAL mode: killing the coordinator at any
 * moment leaves the last committed state, never half of a change.
 *
 * @example
 * const store = new SqliteStudyStore('runs/hpo/studies.sqlite');
 * const study = store.getStudy('regularization-sweep');
 * store.close();
 */
export class SqliteStudyStore implements StudyStore {
  readonly db: Database.Database;

  /**
   * Opens (creating it if needed) the study database. With `readonly` the file must exist (else a StorageLookupError:
   * a status from the wrong folder creates nothing) and nothing is ever written to it, not even the schema: readers
   * (status, logs, reports, the dashboard) never disturb a running coordinator.
   *
   * @example
   * const store = new SqliteStudyStore('runs/hpo/studies.sqlite', { readonly: true });
   */
  constructor(readonly path: string, { readonly = false }: { readonly?: boolean } = {}) {
    if (readonly && !existsSync(path)) throw new StorageLookupError(`no study storage at ${path} (run from the folder that holds it, or pass --storage FILE)`);
    if (path !== ':memory:' && !readonly) mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path, readonly ? { readonly: true, fileMustExist: true } : {});
    this.db.pragma('busy_timeout = 5000');
    const version = this.db.pragma('user_version', { simple: true }) as number;
    if (version > schemaVersion) throw new Error(`${path} was written by a newer tensorfleet (schema ${version}, this one knows ${schemaVersion})`);
    if (readonly) return;
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('foreign_keys = ON');
    this.db.exec(schemaSql);
    this.db.pragma(`user_version = ${schemaVersion}`);
  }

  /** The study called `name`; throws StorageLookupError (naming the studies there) when there is none. */
  requireStudy(name: string): StudyRow {
    const study = this.getStudy(name);
    if (study) return study;
    const known = this.listStudies().map((s) => s.name);
    throw new StorageLookupError(`no study "${name}" in ${this.path}${known.length ? ` (it has: ${known.join(', ')})` : ' (it has none)'}`);
  }

  close(): void {
    this.db.close();
  }

  private studyFrom(row: Row): StudyRow {
    return {
      id: row.id as number, name: row.name as string, spec: fromJson(row.spec_json), specHash: row.spec_hash as string,
      outDir: row.out_dir as string, trialsPlanned: row.trials_planned as number, state: row.state as StudyRow['state'],
      coordinatorPid: (row.coordinator_pid as number | null) ?? null, coordinatorStart: (row.coordinator_start as string | null) ?? null,
      createdAt: row.created_at as number, updatedAt: row.updated_at as number,
    };
  }

  getStudy(name: string): StudyRow | null {
    const row = this.db.prepare('SELECT * FROM studies WHERE name = ?').get(name) as Row | undefined;
    return row ? this.studyFrom(row) : null;
  }

  listStudies(): StudyRow[] {
    return (this.db.prepare('SELECT * FROM studies ORDER BY id').all() as Row[]).map((r) => this.studyFrom(r));
  }

  createStudy(study: NewStudy): StudyRow {
    const now = Date.now();
    this.db
      .prepare('INSERT INTO studies (name, spec_json, spec_hash, out_dir, trials_planned, state, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(study.name, toJson(study.spec), study.specHash, study.outDir, study.trialsPlanned, 'running', now, now);
    return this.getStudy(study.name)!;
  }

  /** Records which coordinator process runs the study now (so a second one can refuse to run it too). */
  claimStudy(studyId: number, pid: number, start: string | null): void {
    this.db.prepare("UPDATE studies SET coordinator_pid = ?, coordinator_start = ?, state = 'running', updated_at = ? WHERE id = ?").run(pid, start, Date.now(), studyId);
  }

  finishStudy(studyId: number): void {
    this.db.prepare("UPDATE studies SET state = 'finished', coordinator_pid = NULL, coordinator_start = NULL, updated_at = ? WHERE id = ?").run(Date.now(), studyId);
  }

  private trialFrom(row: Row): TrialRow {
    const params = (this.db.prepare('SELECT name, value_json, kind FROM params WHERE trial_id = ? ORDER BY rowid').all(row.id) as Row[]).map(
      (p): ParamRecord => ({ name: p.name as string, value: fromJson(p.value_json), kind: p.kind as string }),
    );
    return {
      id: row.id as number, studyId: row.study_id as number, number: row.number as number, state: row.state as TrialState,
      assignment: fromJson(row.assignment_json), config: fromJson(row.config_json), attempt: row.attempt as number,
      handle: row.handle_json ? fromJson<JobHandle>(row.handle_json) : null,
      allocation: row.allocation_json ? fromJson<Allocation>(row.allocation_json) : null,
      epochs: row.epochs as number, epochBase: (row.epoch_base as number | null) ?? null,
      crashedEpoch: (row.crashed_epoch as number | null) ?? null, objective: (row.objective as number | null) ?? null,
      summary: row.summary_json ? fromJson(row.summary_json) : null, params,
      createdAt: row.created_at as number, startedAt: (row.started_at as number | null) ?? null, finishedAt: (row.finished_at as number | null) ?? null,
    };
  }

  trials(studyId: number): TrialRow[] {
    return (this.db.prepare('SELECT * FROM trials WHERE study_id = ? ORDER BY number').all(studyId) as Row[]).map((r) => this.trialFrom(r));
  }

  trial(trialId: number): TrialRow {
    const row = this.db.prepare('SELECT * FROM trials WHERE id = ?').get(trialId) as Row | undefined;
    if (!row) throw new Error(`no trial with id ${trialId}`);
    return this.trialFrom(row);
  }

  private transition(trialId: number, from: TrialState | null, to: TrialState, detail: string | null): void {
    this.db.prepare('INSERT INTO transitions (trial_id, at, from_state, to_state, detail) VALUES (?, ?, ?, ?, ?)').run(trialId, Date.now(), from, to, detail);
  }

  /** Creates trial `number` with its parameters, pending. */
  createTrial(studyId: number, trial: NewTrial): TrialRow {
    const id = this.db.transaction(() => {
      const info = this.db
        .prepare("INSERT INTO trials (study_id, number, state, assignment_json, config_json, created_at) VALUES (?, ?, 'pending', ?, ?, ?)")
        .run(studyId, trial.number, toJson(trial.assignment), toJson(trial.config), Date.now());
      const trialId = Number(info.lastInsertRowid);
      const insert = this.db.prepare('INSERT INTO params (trial_id, name, value_json, kind) VALUES (?, ?, ?, ?)');
      for (const p of trial.params) insert.run(trialId, p.name, toJson(p.value), p.kind);
      this.transition(trialId, null, 'pending', 'created');
      return trialId;
    })();
    return this.trial(id);
  }

  /** Marks a trial running (a new attempt) and records how to find its job again. */
  startTrial(trialId: number, handle: JobHandle, allocation: Allocation, detail: string): number {
    return this.db.transaction(() => {
      const prior = this.trial(trialId);
      const attempt = prior.attempt + 1;
      this.db
        .prepare("UPDATE trials SET state = 'running', attempt = ?, handle_json = ?, allocation_json = ?, started_at = COALESCE(started_at, ?) WHERE id = ?")
        .run(attempt, toJson(handle), toJson(allocation), Date.now(), trialId);
      this.transition(trialId, prior.state, 'running', `${detail} (attempt ${attempt})`);
      return attempt;
    })();
  }

  /** Puts a trial that was running when its coordinator died back in the queue. */
  requeueTrial(trialId: number, detail: string): void {
    this.db.transaction(() => {
      const prior = this.trial(trialId);
      this.db.prepare("UPDATE trials SET state = 'pending', handle_json = NULL WHERE id = ?").run(trialId);
      this.transition(trialId, prior.state, 'pending', detail);
    })();
  }

  /**
   * Stores one epoch's metrics (replacing a value from an earlier attempt) and drops epochs past it, which a restarted
   * attempt is about to redo. Returns nothing; the trial's `epochs` and `objective` follow the latest epoch.
   */
  recordEpoch(trialId: number, attempt: number, epoch: number, epochBase: number, metrics: Record<string, number>, objective: number): void {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM metrics WHERE trial_id = ? AND epoch > ?').run(trialId, epoch);
      this.db
        .prepare('INSERT OR REPLACE INTO metrics (trial_id, epoch, attempt, metrics_json, recorded_at) VALUES (?, ?, ?, ?, ?)')
        .run(trialId, epoch, attempt, toJson(metrics), Date.now());
      this.db.prepare('UPDATE trials SET epochs = ?, epoch_base = ?, objective = ? WHERE id = ?').run(epoch, epochBase, finiteOrNull(objective), trialId);
    })();
  }

  /** Adds epochs the trial ran but no coordinator heard (e.g. from summary.json's history); recorded epochs win. */
  backfillEpochs(trialId: number, attempt: number, epochs: { epoch: number; metrics: Record<string, number> }[]): number {
    return this.db.transaction(() => {
      const insert = this.db.prepare('INSERT OR IGNORE INTO metrics (trial_id, epoch, attempt, metrics_json, recorded_at) VALUES (?, ?, ?, ?, ?)');
      let added = 0;
      for (const e of epochs) added += insert.run(trialId, e.epoch, attempt, toJson(e.metrics), Date.now()).changes;
      return added;
    })();
  }

  /** Stores a rung decision; a stop decision finishes the trial in the same transaction. */
  recordRung(record: RungRecord): void {
    this.db.transaction(() => {
      this.db
        .prepare('INSERT OR IGNORE INTO rungs (trial_id, rung, epoch, value, seen, keep, rank, decision, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
        .run(record.trialId, record.rung, record.epoch, finiteOrNull(record.value), record.seen, record.keep, record.rank, record.decision, Date.now());
      if (record.decision === 'stop') {
        this.finishTrial(record.trialId, {
          state: 'stopped', objective: record.value,
          detail: `asha: rank ${record.rank} of ${record.seen} at rung ${record.rung} (epoch ${record.epoch}), keeps ${record.keep}`,
        });
      }
    })();
  }

  rungs(studyId: number): RungRecord[] {
    const rows = this.db
      .prepare('SELECT r.* FROM rungs r JOIN trials t ON t.id = r.trial_id WHERE t.study_id = ? ORDER BY r.recorded_at, r.rowid')
      .all(studyId) as Row[];
    return rows.map((r) => ({
      trialId: r.trial_id as number, rung: r.rung as number, epoch: r.epoch as number, value: (r.value as number | null) ?? Number.NaN,
      seen: r.seen as number, keep: r.keep as number, rank: r.rank as number, decision: r.decision as RungRecord['decision'],
    }));
  }

  /** Finishes a trial (no-op when it already is finished: the first outcome recorded wins). */
  finishTrial(trialId: number, outcome: TrialOutcome): boolean {
    return this.db.transaction(() => {
      const prior = this.trial(trialId);
      if (prior.state !== 'running' && prior.state !== 'pending') return false;
      this.db
        .prepare('UPDATE trials SET state = ?, crashed_epoch = ?, objective = ?, summary_json = ?, handle_json = NULL, finished_at = ? WHERE id = ?')
        .run(
          outcome.state, outcome.crashedEpoch ?? null,
          outcome.objective === undefined ? prior.objective : finiteOrNull(outcome.objective),
          outcome.summary ? toJson(outcome.summary) : null, Date.now(), trialId,
        );
      this.transition(trialId, prior.state, outcome.state, outcome.detail);
      if (outcome.error) this.recordError(prior.studyId, trialId, outcome.error.kind, outcome.error.message);
      return true;
    })();
  }

  recordError(studyId: number, trialId: number | null, kind: string, message: string): void {
    this.db.prepare('INSERT INTO errors (study_id, trial_id, at, kind, message) VALUES (?, ?, ?, ?, ?)').run(studyId, trialId, Date.now(), kind, message);
  }

  metrics(studyId: number): MetricRow[] {
    const rows = this.db
      .prepare('SELECT m.* FROM metrics m JOIN trials t ON t.id = m.trial_id WHERE t.study_id = ? ORDER BY t.number, m.epoch')
      .all(studyId) as Row[];
    return rows.map((r) => ({ trialId: r.trial_id as number, epoch: r.epoch as number, attempt: r.attempt as number, metrics: fromJson(r.metrics_json), recordedAt: r.recorded_at as number }));
  }

  transitions(studyId: number): TransitionRow[] {
    const rows = this.db
      .prepare('SELECT x.* FROM transitions x JOIN trials t ON t.id = x.trial_id WHERE t.study_id = ? ORDER BY x.id')
      .all(studyId) as Row[];
    return rows.map((r) => ({ trialId: r.trial_id as number, at: r.at as number, from: (r.from_state as TrialState | null) ?? null, to: r.to_state as TrialState, detail: (r.detail as string | null) ?? null }));
  }

  errors(studyId: number): ErrorRow[] {
    const rows = this.db.prepare('SELECT * FROM errors WHERE study_id = ? ORDER BY id').all(studyId) as Row[];
    return rows.map((r) => ({ trialId: (r.trial_id as number | null) ?? null, at: r.at as number, kind: r.kind as string, message: r.message as string }));
  }
}
