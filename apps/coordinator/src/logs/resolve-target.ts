import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { runFiles } from '@tensorfleet/protocol';
import { SqliteStudyStore } from '../storage/sqlite-store.js';
import { StorageLookupError } from '../storage/store.js';
import { studyLayout } from '../study/layout.js';
import { studyLogFiles } from './follow.js';

const isDir = (p: string) => existsSync(p) && statSync(p).isDirectory();

/** The trial numbers a study folder holds (its trials/NNN folders). */
function trialNumbers(studyDir: string): number[] {
  const dir = studyLayout.trialsDir(studyDir);
  return isDir(dir) ? readdirSync(dir).filter((n) => /^\d+$/.test(n)).map(Number).sort((a, b) => a - b) : [];
}

/** A study folder's trial log, after checking that the trial exists (else a StorageLookupError naming those that do). */
function trialLogOf(studyDir: string, trial: number, known: number[], where: string): string {
  if (!known.includes(trial)) {
    throw new StorageLookupError(`no trial ${trial} in ${where}${known.length ? ` (trials: ${known.join(', ')})` : ' (it has no trials yet)'}`);
  }
  return studyLayout.trialLog(studyLayout.trialDir(studyDir, trial));
}

/**
 * The log files `tensorfleet logs TARGET` reads: TARGET is a run folder (`train --out`: its log.jsonl), a study
 * name (looked up in the storage, read-only), a study folder, a trial folder or a log file; `trial` narrows a study
 * to one trial's log. A target or trial that does not exist is a StorageLookupError (a usage error). Returns a
 * function, re-evaluated while following, so logs that start later are picked up.
 *
 * @example
 * const files = logFilesFor({ target: 'regularization-sweep', storage: 'runs/hpo/studies.sqlite', trial: 3 });
 */
export function logFilesFor(options: { target: string; storage: string; trial?: number }): () => string[] {
  const { target, trial } = options;
  if (existsSync(target) && statSync(target).isFile()) {
    if (trial !== undefined) throw new StorageLookupError(`--trial needs a study, but ${target} is a log file`);
    return () => [target];
  }
  if (isDir(target)) {
    const isStudy = isDir(studyLayout.trialsDir(target)) || existsSync(studyLayout.coordinatorLog(target));
    if (isStudy) {
      if (trial === undefined) return () => studyLogFiles(target);
      const file = trialLogOf(target, trial, trialNumbers(target), target);
      return () => (existsSync(file) ? [file] : []);
    }
    if (trial !== undefined) throw new StorageLookupError(`--trial needs a study, but ${target} is not a study folder`);
    // A trial folder: the coordinator's trial.log holds every line the trial printed, tagged with study and trial.
    const trialLog = studyLayout.trialLog(target);
    if (existsSync(trialLog)) return () => [trialLog];
    const runLog = join(target, runFiles.log);
    if (existsSync(runLog)) return () => [runLog];
    throw new StorageLookupError(`${target} holds no ${runFiles.log}: not a run folder (tensorfleet train --out), a trial or a study folder`);
  }
  if (!existsSync(options.storage)) {
    throw new StorageLookupError(`"${target}" is neither a log file, a folder, nor a study (no study storage at ${options.storage}; pass --storage)`);
  }
  const store = new SqliteStudyStore(options.storage, { readonly: true });
  let studyDir: string;
  let known: number[] | null = null;
  try {
    const study = store.getStudy(target);
    if (!study) {
      const names = store.listStudies().map((s) => s.name);
      throw new StorageLookupError(`"${target}" is neither a log file, a folder, nor a study in ${options.storage}${names.length ? ` (studies: ${names.join(', ')})` : ''}`);
    }
    studyDir = study.outDir;
    if (trial !== undefined) known = store.trials(study.id).map((t) => t.number);
  } finally {
    store.close();
  }
  if (trial === undefined || known === null) return () => studyLogFiles(studyDir);
  const file = trialLogOf(studyDir, trial, known, `study ${target}`);
  return () => (existsSync(file) ? [file] : []);
}
