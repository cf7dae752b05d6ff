import { dirname, resolve } from 'node:path';
import { absoluteConfigPaths, absoluteLauncherPaths, readConfigFile } from '@tensorfleet/protocol';
import { z } from 'zod';
import { inventorySchema, studySpecSchema, type Inventory, type StudySpec } from './schema.js';
import { trialConfigProblems } from './trial-check.js';

/** A study spec or inventory problem, phrased for the person who wrote the file: which field, what was expected. */
export class StudySpecError extends Error {
  override name = 'StudySpecError';
}

function describe(error: z.ZodError, source: string): string {
  const lines = error.issues.map((issue) => `  ${issue.path.length ? issue.path.join('.') : '(top level)'}: ${issue.message}`);
  return `invalid study spec in ${source}:\n${lines.join('\n')}`;
}

/** Reads a YAML/JSON file into a mapping, with errors naming the file (the train config's reader, as a spec error). */
export function readMappingFile(path: string, what = 'file'): Record<string, unknown> {
  try {
    return readConfigFile(path, what);
  } catch (err) {
    throw new StudySpecError((err as Error).message);
  }
}

/**
 * Validates a raw study spec and fills in defaults. When trials run the default train command, the trial configs
 * (base plus searched values) are checked against the train config schema: a typo or a bad value fails here, all at
 * once, not in trial 1.
 *
 * @example
 * const spec = parseStudySpec({ name: 's', objective: { metric: 'valAccuracy' }, budget: { trials: 4, maxEpochs: 2 },
 *   space: { 'optimizer.lr': { type: 'loguniform', low: 1e-4, high: 1e-1 } } });
 */
export function parseStudySpec(raw: unknown, source = 'study spec'): StudySpec {
  const result = studySpecSchema.safeParse(raw);
  if (!result.success) throw new StudySpecError(describe(result.error, source));
  const spec = result.data;
  if (!spec.trial.command) {
    const problems = trialConfigProblems(spec.base, spec.space);
    if (problems.length) throw new StudySpecError(`invalid study spec in ${source}: trial configs would be refused:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
  return spec;
}

/**
 * Loads a study spec file. A relative `inventory` path, the launcher's files (hostfile, key, known_hosts), and the base config's relative file paths, are taken
 * relative to the spec file.
 *
 * @example
 * const spec = loadStudySpec('apps/coordinator/examples/regularization-sweep.yaml');
 */
export function loadStudySpec(path: string): StudySpec {
  const spec = parseStudySpec(readMappingFile(path, 'study spec'), path);
  if (typeof spec.inventory === 'string') spec.inventory = resolve(dirname(path), spec.inventory);
  spec.launcher = absoluteLauncherPaths(spec.launcher, dirname(resolve(path))) as StudySpec['launcher'];
  // The base's files are the spec's neighbours; trials run from their own folders.
  if (!spec.trial.command) spec.base = absoluteConfigPaths(spec.base, dirname(resolve(path)));
  return spec;
}

/**
 * Loads a node inventory file (`nodes: [{name, host, slots, gpus}]`).
 *
 * @example
 * const inventory = loadInventory('cluster.yaml'); // { nodes: [{ name: 'gpu1', host: 'gpu1', slots: 8, gpus: 4 }] }
 */
export function loadInventory(path: string): Inventory {
  const result = inventorySchema.safeParse(readMappingFile(path, 'inventory'));
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.') || '(top level)'}: ${i.message}`);
    throw new StudySpecError(`invalid inventory in ${path}:\n${lines.join('\n')}`);
  }
  return result.data;
}
