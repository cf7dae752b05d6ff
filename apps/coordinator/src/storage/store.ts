import type { JobHandle } from '../launch/types.js';
import type { Allocation } from '../resources/slots.js';
import type { RungRecord } from '../schedulers/types.js';
import type { ErrorRow, MetricRow, ParamRecord, StudyRow, TransitionRow, TrialRow, TrialState } from './types.js';

/** A study, trial or storage that a command named does not exist (a usage error: exit 2). */
export class StorageLookupError extends Error {
  override readonly name = 'StorageLookupError';
}

/** What finishing a trial records. */
export interface TrialOutcome {
  state: Extract<TrialState, 'completed' | 'stopped' | 'crashed' | 'failed'>;
  detail: string;
  crashedEpoch?: number | null;
  objective?: number | null;
  summary?: Record<string, unknown> | null;
  error?: { kind: string; message: string };
}

export interface NewStudy {
  name: string;
  spec: unknown;
  specHash: string;
  outDir: string;
  trialsPlanned: number;
}

export interface NewTrial {
  number: number;
  assignment: Record<string, unknown>;
  config: Record<string, unknown>;
  params: ParamRecord[];
}

/** Objectives and rung values are stored as numbers or null (NaN and infinities mean "no usable value"). */
export const finiteOrNull = (v: number | null | undefined): number | null => (v === null || v === undefined || !Number.isFinite(v) ? null : v);

/**
 * Where a coordinator keeps its studies (Optuna's storage, Ray Tune's experiment state): studies, trials with their
 * parameters, per-epoch metrics, scheduler rung decisions, state transitions and errors. Every method is one atomic
 * change; rows returned are copies the caller may keep. Implementations: SqliteStudyStore (a file, survives the
 * coordinator: resume) and MemoryStudyStore (one process: tests, notebooks, embedding). Both pass the same contract
 * tests (storage/store-contract.test-util.ts).
 *
 * @example
 * await runStudy({ spec, storage: new MemoryStudyStore() });
 */
export interface StudyStore {
  /** The file behind the store (the default study folder sits next to it); null when it has none. */
  readonly path: string | null;
  close(): void;
  getStudy(name: string): StudyRow | null;
  /** The study called `name`; throws StorageLookupError (naming the studies there) when there is none. */
  requireStudy(name: string): StudyRow;
  listStudies(): StudyRow[];
  /** Creates a running study; a name already taken is refused. */
  createStudy(study: NewStudy): StudyRow;
  /** Records which coordinator process runs the study now (so a second one can refuse to run it too). */
  claimStudy(studyId: number, pid: number, start: string | null): void;
  finishStudy(studyId: number): void;
  /** The study's trials by number. */
  trials(studyId: number): TrialRow[];
  trial(trialId: number): TrialRow;
  /** Creates trial `number` with its parameters, pending; a number already taken is refused. */
  createTrial(studyId: number, trial: NewTrial): TrialRow;
  /** Marks a trial running (a new attempt, returned) and records how to find its job again. */
  startTrial(trialId: number, handle: JobHandle, allocation: Allocation, detail: string): number;
  /** Puts a trial back in the queue (its coordinator died, or the study was aborted). */
  requeueTrial(trialId: number, detail: string): void;
  /** Stores one epoch (replacing an earlier attempt's) and drops epochs past it; the trial's epochs/objective follow. */
  recordEpoch(trialId: number, attempt: number, epoch: number, epochBase: number, metrics: Record<string, number>, objective: number): void;
  /** Adds epochs nobody recorded (recorded epochs win); returns how many were added. */
  backfillEpochs(trialId: number, attempt: number, epochs: { epoch: number; metrics: Record<string, number> }[]): number;
  /** Stores a rung decision (the first for a trial and rung wins); a stop decision finishes the trial as stopped. */
  recordRung(record: RungRecord): void;
  /** Rung decisions in the order they were made. */
  rungs(studyId: number): RungRecord[];
  /** Finishes a pending or running trial; false (and no change) when it already is finished: the first outcome wins. */
  finishTrial(trialId: number, outcome: TrialOutcome): boolean;
  recordError(studyId: number, trialId: number | null, kind: string, message: string): void;
  /** Metrics by trial number, then epoch. */
  metrics(studyId: number): MetricRow[];
  transitions(studyId: number): TransitionRow[];
  errors(studyId: number): ErrorRow[];
}
