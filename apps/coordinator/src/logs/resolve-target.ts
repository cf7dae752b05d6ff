import { existsSync, statSync } from 'node:fs';

import { StudyStore } from '../storage/study-store.js';
import { studyLayout } from '../study/layout.js';
import { studyLogFiles } from './follow.js';

/**
 * The log files `tensorfleet logs TARGET` reads: TARGET is a study name (looked up in the storage), a study folder,
 * a trial folder or a log file; `trial` narrows a study to one trial's log. Returns a function, re-evaluated while
 * following, so trials that start later are picked up.
 *
 * @example
 * const files = logFilesFor({ target: 'regularization-sweep', storage: 'runs/hpo/studies.sqlite', trial: 3 });
 */
export function logFilesFor(options: { target: string; storage: string; trial?: number }): () => string[] {
  const { target, trial } = options;
  let studyDir: string | null = null;
  if (existsSync(target) && statSync(target).isFile()) return () => [target];
  if (existsSync(target) && statSync(target).isDirectory()) {
    if (existsSync(studyLayout.trialLog(target)) || !existsSync(studyLayout.trialsDir(target))) {
      if (trial !== undefined) throw new Error(`--trial needs a study, but ${target} is a trial folder`);
      return () => [studyLayout.trialLog(target)].filter((f) => existsSync(f));
    }
    studyDir = target;
  } else {
    if (!existsSync(options.storage)) throw new Error(`"${target}" is neither a log file, a folder, nor a study (no storage at ${options.storage}; pass --storage)`);
    const store = new StudyStore(options.storage);
    try {
      const study = store.getStudy(target);
      if (!study) {
        const known = store.listStudies().map((s) => s.name);
        throw new Error(`"${target}" is neither a log file, a folder, nor a study in ${options.storage}${known.length ? ` (studies: ${known.join(', ')})` : ''}`);
      }
      studyDir = study.outDir;
    } finally {
      store.close();
    }
  }
  const dir = studyDir;
  if (trial !== undefined) {
    const file = studyLayout.trialLog(studyLayout.trialDir(dir, trial));
    return () => (existsSync(file) ? [file] : []);
  }
  return () => studyLogFiles(dir);
}

