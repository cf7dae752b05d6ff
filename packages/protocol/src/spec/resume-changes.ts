import type { TrainConfig } from './train-config.js';

/**
 * Config fields a resumed run may change, and how the change takes effect. Everything else shaped the checkpoint
 * (model, data, split seed, batch and world size, optimizer kind and options, schedule, regularization) and is
 * refused on `--resume`: a silent mismatch would train a different job than the one the checkpoint belongs to.
 */
export const changeableOnResume: Record<string, string> = {
  epochs: 'the run trains to the new epoch count',
  'optimizer.lr': 'the optimizer continues at the new learning rate (the scheduler steps on from it)',
  out: 'where the run is',
  backend: 'only the compute backend of the workers',
  transport: 'only how tensors travel to and from the workers',
  checkpointEvery: 'only how often checkpoints are written',
  accuracyTargets: 'only what summary.json reports',
  launcher: 'only where the workers run (a field and everything under it)',
};

/** A changed leaf is changeable when its path, or a parent of it, is listed. */
const isChangeable = (path: string): boolean => Object.keys(changeableOnResume).some((k) => path === k || path.startsWith(`${k}.`));

/** One changed leaf of the config. */
export interface ConfigChange {
  path: string;
  from: unknown;
  to: unknown;
}

function leaves(value: unknown, prefix: string, out: Map<string, unknown>): Map<string, unknown> {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) leaves(v, prefix ? `${prefix}.${k}` : k, out);
  } else out.set(prefix, value);
  return out;
}

/**
 * Splits what differs between the config a run was started with and the one it is resumed with into changes that
 * apply and changes that are refused (by config path).
 * @example
 * resumeChanges(previous, next); // { applied: [{ path: 'epochs', from: 3, to: 5 }], refused: [] }
 */
export function resumeChanges(previous: TrainConfig, next: TrainConfig): { applied: ConfigChange[]; refused: ConfigChange[] } {
  const before = leaves(previous, '', new Map());
  const after = leaves(next, '', new Map());
  const applied: ConfigChange[] = [];
  const refused: ConfigChange[] = [];
  for (const path of new Set([...before.keys(), ...after.keys()])) {
    const from = before.get(path);
    const to = after.get(path);
    if (JSON.stringify(from) === JSON.stringify(to)) continue;
    (isChangeable(path) ? applied : refused).push({ path, from, to });
  }
  return { applied, refused };
}
