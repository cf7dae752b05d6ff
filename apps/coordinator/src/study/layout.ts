import { join } from 'node:path';

/** Where a study keeps its files: coordinator.log, trials/NNN/{config.yaml, trial.log, ...}, report/. */
export const studyLayout = {
  coordinatorLog: (studyDir: string) => join(studyDir, 'coordinator.log'),
  trialsDir: (studyDir: string) => join(studyDir, 'trials'),
  trialDir: (studyDir: string, number: number) => join(studyDir, 'trials', String(number).padStart(3, '0')),
  trialConfig: (trialDir: string) => join(trialDir, 'config.yaml'),
  trialLog: (trialDir: string) => join(trialDir, 'trial.log'),
  checkpoints: (trialDir: string) => join(trialDir, 'checkpoints'),
  reportDir: (studyDir: string) => join(studyDir, 'report'),
};

/** Where `tensorfleet hpo` keeps its studies unless told otherwise (relative to the working folder). */
export const defaultStoragePath = 'runs/hpo/studies.sqlite';
