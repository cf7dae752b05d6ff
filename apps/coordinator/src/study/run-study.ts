import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import pino, { type Logger } from 'pino';
import { exitCodes } from '@tensorfleet/protocol';
import { stringify as toYaml } from 'yaml';
import { createTrialLauncher } from '../launch/create.js';
import { isSameProcess, processStartTime } from '@tensorfleet/launch';
import type { EpochReport, Launcher, RunningTrial, TrialExit, TrialHandlers, TrialJob } from '../launch/types.js';
import { resolveInventory } from '../resources/inventory.js';
import { SlotPool, type Allocation } from '../resources/slots.js';
import { createScheduler } from '../schedulers/create.js';
import { applyAssignment, flattenAssignment } from '../search/assignment.js';
import { createSearcher } from '../search/registry.js';
import type { Inventory, StudySpec } from '../spec/schema.js';
import { parameterKinds } from '../spec/space.js';
import { SqliteStudyStore } from '../storage/sqlite-store.js';
import type { StudyStore } from '../storage/store.js';
import { terminalStates, type StudyRow, type TrialRow } from '../storage/types.js';
import type { TrialResult } from '../search/searcher.js';
import { divergenceReason } from './divergence.js';
import { studyLayout } from './layout.js';
import { specHash } from './spec-hash.js';

/** A moment in a study's life, for progress displays and utilization measurements. */
export interface StudyEvent {
  at: number;
  kind: 'start' | 'epoch' | 'finish';
  trial: number;
  /** The trial's state after the event (finish: completed | stopped | crashed | failed). */
  state: string;
  usedSlots: number;
  /** Slots the study may use at once: min(inventory slots, maxConcurrent x workers). */
  capacity: number;
  /** Trials not yet started (pending ones and those not yet created). */
  waiting: number;
}

export interface RunStudyOptions {
  spec: StudySpec;
  /** Where the study is kept: a store (left open), or the path of a SQLite file (created when missing, closed at the end). */
  storage: string | StudyStore;
  /** Defaults to the launcher `spec.launcher` names (local: a LocalLauncher running `spec.trial.command`, or `tensorfleet train`). */
  launcher?: Launcher;
  /** Defaults to `spec.inventory`, else this machine. */
  inventory?: Inventory;
  /** Extra destination for the coordinator's pino lines (they always go to the study's coordinator.log). */
  logStream?: NodeJS.WritableStream;
  onEvent?: (event: StudyEvent) => void;
  /** Aborting stops the running trials, puts them back in the queue and returns (resume later with the same spec). */
  signal?: AbortSignal;
}

export interface StudyResult {
  study: StudyRow;
  trials: TrialRow[];
  /** False when the run was aborted before the budget was spent. */
  finished: boolean;
}

/** Running a study the storage cannot accept (another spec under that name, or another live coordinator). */
export class StudyConflictError extends Error {
  override name = 'StudyConflictError';
}

/** The study folder: `spec.out`, else `<folder of the storage file>/<study name>` (a store without a file needs `out`). */
export function studyDirFor(spec: StudySpec, storage: string | null): string {
  if (spec.out) return resolve(spec.out);
  if (storage === null) throw new RangeError(`study "${spec.name}": its store has no file to put the study folder next to; set "out" in the spec`);
  return resolve(join(dirname(resolve(storage)), spec.name));
}

interface Live {
  trial: TrialRow;
  running: RunningTrial;
  attempt: number;
  firstLoss: number | null;
  epochBase: number | null;
  /** The last epoch recorded for the trial (a resumed job may skip some if its checkpoint is ahead of the record). */
  lastEpoch: number;
  done: boolean;
}

/**
 * Runs (or resumes) a study to the end of its budget: proposes trials, starts them when slots are free, records every
 * epoch, lets the scheduler stop poor trials at rung boundaries, records diverged trials as crashed at their epoch,
 * and keeps everything in SQLite so a coordinator killed at any moment resumes where it stood: finished trials are
 * kept, interrupted ones restart (from their checkpoint when they have one), and exactly `budget.trials` trials run.
 *
 * @example
 * const result = await runStudy({ spec: loadStudySpec('sweep.yaml'), storage: 'runs/hpo/studies.sqlite' });
 * console.log(result.trials.map((t) => [t.number, t.state, t.objective]));
 * await runStudy({ spec: { ...spec, out: 'runs/scratch' }, storage: new MemoryStudyStore() }); // nothing kept on disk but the trials' folders
 */
export async function runStudy(options: RunStudyOptions): Promise<StudyResult> {
  if (typeof options.storage !== 'string') return runWithStore(options.storage, options);
  const store = new SqliteStudyStore(options.storage);
  try {
    return await runWithStore(store, options);
  } finally {
    store.close();
  }
}

async function runWithStore(store: StudyStore, options: RunStudyOptions): Promise<StudyResult> {
  const { spec } = options;
  const { searcher, trials: planned } = createSearcher(spec);
  const kinds = parameterKinds(spec.space);
  const hash = specHash(spec);
  let study = store.getStudy(spec.name);
  if (study && study.specHash !== hash) {
    throw new StudyConflictError(`study "${spec.name}" already exists in ${store.path ?? 'the store'} with a different spec (space, budget, scheduler, base or objective changed); give the new study another name`);
  }
  if (study?.coordinatorPid && study.coordinatorPid !== process.pid && isSameProcess(study.coordinatorPid, study.coordinatorStart)) {
    throw new StudyConflictError(`study "${spec.name}" is being run by coordinator pid ${study.coordinatorPid}`);
  }
  const studyDir = study?.outDir ?? studyDirFor(spec, store.path);
  study ??= store.createStudy({ name: spec.name, spec, specHash: hash, outDir: studyDir, trialsPlanned: planned });
  store.claimStudy(study.id, process.pid, processStartTime(process.pid));
  mkdirSync(studyLayout.trialsDir(studyDir), { recursive: true });

  const fileStream = pino.destination({ dest: studyLayout.coordinatorLog(studyDir), sync: true, mkdir: true });
  const streams: pino.StreamEntry[] = [{ stream: fileStream }];
  if (options.logStream) streams.push({ stream: options.logStream });
  const log: Logger = pino({ base: { role: 'coordinator', study: spec.name } }, pino.multistream(streams));

  const launcher = options.launcher ?? createTrialLauncher(spec);
  // The launcher's cluster places trials itself (Slurm), or the coordinator does, on the study's inventory.
  const pool = launcher.resourcePool?.() ?? new SlotPool(options.inventory ?? resolveInventory(spec.inventory));
  const request = { workers: spec.resources.workers, gpusPerWorker: spec.resources.gpusPerWorker };
  pool.assertSatisfiable(request);
  const capacity = Math.min(pool.totalSlots, spec.budget.maxConcurrent * request.workers);
  const scheduler = createScheduler(spec);
  scheduler.restore(store.rungs(study.id));
  const maxEpochs = spec.budget.maxEpochs;

  // A stateful searcher rebuilds from the trials finished before this coordinator started (nothing is suggested yet).
  for (const trial of store.trials(study.id)) if (isFinished(trial)) searcher.onTrialComplete(trial, trialResult(trial));
  let created = store.trials(study.id).length;
  log.info({ planned, created, searcher: searcher.name, scheduler: scheduler.name, rungs: scheduler.rungEpochs, capacity }, created ? 'resuming study' : 'starting study');

  const live = new Map<number, Live>();
  const studyId = study.id;
  const waiting = () => store.trials(studyId).filter((t) => t.state === 'pending').length + (planned - created);
  const emit = (kind: StudyEvent['kind'], trial: number, state: string) =>
    options.onEvent?.({ at: performance.now(), kind, trial, state, usedSlots: pool.usedSlots, capacity, waiting: waiting() });

  let wake: () => void = () => {};
  let aborted = false;

  const nextTrial = (): TrialRow | null => {
    const pending = store.trials(studyId).find((t) => t.state === 'pending' && !live.has(t.id));
    if (pending) return pending;
    if (created >= planned) return null;
    const number = created;
    const assignment = searcher.suggest(number);
    const dir = studyLayout.trialDir(studyDir, number);
    const config = applyAssignment(spec.base, assignment);
    Object.assign(config, { epochs: maxEpochs, workers: request.workers, out: dir });
    const params = Object.entries(flattenAssignment(assignment)).map(([name, value]) => ({ name, value, kind: kinds.get(name) ?? 'choice' }));
    const trial = store.createTrial(studyId, { number, assignment, config, params });
    created++;
    return trial;
  };

  const onEpoch = (entry: Live, report: EpochReport): void => {
    if (entry.done) return;
    entry.epochBase ??= entry.trial.epochBase ?? (report.epoch === 0 ? 0 : 1);
    const epoch = report.epoch + 1 - entry.epochBase;
    const value = report.metrics[spec.objective.metric] ?? Number.NaN;
    store.recordEpoch(entry.trial.id, entry.attempt, epoch, entry.epochBase, report.metrics, value);
    if (epoch === 1) entry.firstLoss = report.metrics.loss ?? null;
    else if (entry.firstLoss === null) entry.firstLoss = store.metrics(studyId).find((m) => m.trialId === entry.trial.id && m.epoch === 1)?.metrics.loss ?? null;
    log.info({ trial: entry.trial.number, epoch, [spec.objective.metric]: value }, 'epoch');
    emit('epoch', entry.trial.number, 'running');
    const reason = divergenceReason(report.metrics, entry.firstLoss, spec.crash.explodeFactor);
    if (reason) {
      entry.done = true;
      store.finishTrial(entry.trial.id, { state: 'crashed', crashedEpoch: epoch, objective: null, detail: `crashed@${epoch} epoch: ${reason}`, error: { kind: 'diverged', message: `epoch ${epoch}: ${reason}` } });
      log.warn({ trial: entry.trial.number, epoch, reason }, `trial crashed@${epoch} epoch`);
      void entry.running.stop();
      return;
    }
    // A rung the job skipped past unheard (resumed from a checkpoint newer than the record) is judged on this epoch.
    const skipped = scheduler.rungEpochs.filter((r) => r > entry.lastEpoch && r < epoch);
    entry.lastEpoch = epoch;
    for (const rungEpoch of [...skipped, epoch]) {
      const decision = scheduler.onEpoch(entry.trial.id, rungEpoch, value);
      if (decision.record) {
        store.recordRung(decision.record);
        log.info({ trial: entry.trial.number, ...decision.record }, `asha rung ${decision.record.rung}: ${decision.record.decision}`);
      }
      if (decision.action === 'stop') {
        entry.done = true;
        void entry.running.stop();
        return;
      }
    }
  };

  const onExit = (entry: Live, exit: TrialExit): void => {
    live.delete(entry.trial.id);
    pool.release(entry.trial.id);
    const trial = store.trial(entry.trial.id);
    if (aborted && trial.state === 'running') {
      store.requeueTrial(trial.id, 'interrupted: the study was aborted');
    } else if (trial.state === 'running') {
      const base = entry.epochBase ?? trial.epochBase ?? 1;
      if (exit.divergedEpoch !== null || exit.code === exitCodes.diverged) {
        const epoch = exit.divergedEpoch !== null ? exit.divergedEpoch + 1 - base : trial.epochs + 1;
        store.finishTrial(trial.id, { state: 'crashed', crashedEpoch: epoch, objective: null, detail: `crashed@${epoch} epoch: the job reported divergence`, error: { kind: 'diverged', message: `epoch ${epoch}: exit code ${exit.code}` } });
      } else if (exit.code === 0) {
        const summary = exit.summaryPath ? (JSON.parse(readFileSync(exit.summaryPath, 'utf8')) as Record<string, unknown>) : null;
        backfillFromSummary(store, trial, entry.attempt, summary, entry.epochBase ?? trial.epochBase ?? 1, spec.objective.metric);
        store.finishTrial(trial.id, { state: 'completed', summary, detail: `completed ${store.trial(trial.id).epochs} epochs` });
      } else {
        const message = exit.startError ?? `${exit.cause ? `${exit.cause}: ` : ''}exit code ${exit.code}${exit.signal ? `, signal ${exit.signal}` : ''}${exit.stderrTail ? `:\n${exit.stderrTail}` : ''}`;
        store.finishTrial(trial.id, { state: 'failed', detail: 'the job failed', error: { kind: 'failed', message } });
      }
    }
    const final = store.trial(trial.id);
    log.info({ trial: final.number, state: final.state, epochs: final.epochs, objective: final.objective, crashedEpoch: final.crashedEpoch }, `trial ${final.state}`);
    // onExit runs once per launch, and a requeued trial is not finished: the searcher hears each trial's end once.
    if (isFinished(final)) searcher.onTrialComplete(final, trialResult(final));
    emit('finish', final.number, final.state);
    wake();
  };

  const handlersFor = (entry: Live): TrialHandlers => ({
    onEpoch: (report) => onEpoch(entry, report),
    onStatus: ({ state, detail }) => log.info({ trial: entry.trial.number, jobState: state }, detail),
  });
  const jobFor = (trial: TrialRow, allocation: Allocation): TrialJob => {
    const dir = studyLayout.trialDir(studyDir, trial.number);
    const checkpoints = studyLayout.checkpoints(dir);
    const resume = trial.attempt > 0 && existsSync(checkpoints) && readdirSync(checkpoints).length > 0;
    return { study: spec.name, trial: trial.number, configPath: studyLayout.trialConfig(dir), dir, resume, allocation, request, logPath: studyLayout.trialLog(dir) };
  };
  const track = (entry: Live): void => {
    live.set(entry.trial.id, entry);
    emit('start', entry.trial.number, 'running');
    void entry.running.exited.then((exit) => onExit(entry, exit));
  };

  const launch = (trial: TrialRow): boolean => {
    const allocation = pool.allocate(trial.id, request);
    if (!allocation) return false;
    const job = jobFor(trial, allocation);
    mkdirSync(job.dir, { recursive: true });
    writeFileSync(job.configPath, `# trial ${trial.number} of study ${spec.name}\n${toYaml(trial.config)}`);
    const entry: Live = { trial, running: undefined as unknown as RunningTrial, attempt: trial.attempt + 1, firstLoss: null, epochBase: trial.epochBase, lastEpoch: trial.epochs, done: false };
    entry.running = launcher.start(job, handlersFor(entry));
    store.startTrial(trial.id, entry.running.handle, allocation, job.resume ? 'resumed from checkpoint' : trial.attempt > 0 ? 'restarted' : 'started');
    log.info({ trial: trial.number, attempt: entry.attempt, resume: job.resume, workers: allocation.workers, handle: entry.running.handle, params: flattenAssignment(trial.assignment) }, 'trial started');
    track(entry);
    return true;
  };

  // Trials the last coordinator left running: a launcher whose jobs outlive their coordinator (Slurm) adopts those
  // still queued, running or already ended, and nothing is submitted twice; the others are reaped and restarted.
  for (const trial of store.trials(studyId)) {
    if (trial.state !== 'running') continue;
    if (trial.handle && launcher.adopt) {
      const allocation = pool.allocate(trial.id, request);
      const entry: Live = { trial, running: undefined as unknown as RunningTrial, attempt: trial.attempt, firstLoss: null, epochBase: trial.epochBase, lastEpoch: trial.epochs, done: false };
      const running = allocation ? await launcher.adopt(trial.handle, jobFor(trial, allocation), handlersFor(entry)) : null;
      if (running) {
        entry.running = running;
        log.info({ trial: trial.number, attempt: trial.attempt, epochs: trial.epochs, handle: trial.handle }, 'trial adopted: its job outlived the last coordinator');
        track(entry);
        continue;
      }
      pool.release(trial.id);
    }
    if (trial.handle) await launcher.reap(trial.handle);
    store.requeueTrial(trial.id, 'interrupted: its coordinator stopped; restarting');
    log.warn({ trial: trial.number, epochs: trial.epochs }, 'trial was interrupted; it will restart');
  }

  const onAbort = () => {
    aborted = true;
    for (const entry of live.values()) void entry.running.stop();
    wake();
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for (;;) {
      while (!aborted && live.size < spec.budget.maxConcurrent) {
        const trial = nextTrial();
        if (!trial || !launch(trial)) break;
      }
      if (live.size === 0 && (aborted || waiting() === 0)) break;
      await new Promise<void>((r) => (wake = r));
    }
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
  const finished = !aborted && waiting() === 0;
  if (finished) store.finishStudy(studyId);
  const trials = store.trials(studyId);
  log.info({ finished, trials: trials.length, states: countStates(trials) }, finished ? 'study finished' : 'study paused');
  fileStream.flushSync();
  return { study: store.getStudy(spec.name)!, trials, finished };
}

function isFinished(trial: TrialRow): boolean {
  return terminalStates.includes(trial.state);
}

function trialResult(trial: TrialRow): TrialResult {
  return { state: trial.state as TrialResult['state'], objective: trial.objective, epochs: trial.epochs, crashedEpoch: trial.crashedEpoch };
}

/**
 * Fills epochs missing from the record with summary.json's history: epochs a resumed job ran before it was heard, and
 * epochs past the record when a stopped job's checkpoint got ahead of its last heard line (the resumed job then has
 * nothing left to run). Those go through recordEpoch, so the trial's epochs and objective follow them.
 */
function backfillFromSummary(store: StudyStore, trial: TrialRow, attempt: number, summary: Record<string, unknown> | null, epochBase: number, metric: string): void {
  if (!summary || !Array.isArray(summary.history)) return;
  const epochs = (summary.history as Record<string, unknown>[])
    .filter((h) => typeof h.epoch === 'number')
    .map((h) => ({
      epoch: (h.epoch as number) + 1 - epochBase,
      metrics: Object.fromEntries(Object.entries(h).filter(([k]) => k !== 'epoch').map(([k, v]) => [k, typeof v === 'number' ? v : Number.NaN])),
    }))
    .sort((a, b) => a.epoch - b.epoch);
  store.backfillEpochs(trial.id, attempt, epochs.filter((e) => e.epoch <= trial.epochs));
  for (const e of epochs.filter((e) => e.epoch > trial.epochs)) {
    store.recordEpoch(trial.id, attempt, e.epoch, epochBase, e.metrics, e.metrics[metric] ?? Number.NaN);
  }
}

function countStates(trials: TrialRow[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const t of trials) counts[t.state] = (counts[t.state] ?? 0) + 1;
  return counts;
}
