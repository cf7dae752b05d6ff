import { existsSync, statSync } from 'node:fs';
import { SqliteStudyStore } from '@tensorfleet/coordinator';

/** What `tensorfleet dashboard TARGET` watches. */
export type DashboardTarget = { kind: 'run'; dir: string } | { kind: 'study'; storage: string; name: string };

/**
 * TARGET is a run folder (`train --out`; it may not hold any file yet) or the name of a study in `storage`.
 * Throws a one-line error naming both places when it is neither.
 *
 * @example
 * resolveDashboardTarget('regularization-sweep', 'runs/hpo/studies.sqlite'); // { kind: 'study', ... }
 */
export function resolveDashboardTarget(target: string, storage: string): DashboardTarget {
  if (existsSync(target) && statSync(target).isDirectory()) return { kind: 'run', dir: target };
  if (existsSync(storage)) {
    const store = new SqliteStudyStore(storage, { readonly: true });
    try {
      if (store.getStudy(target)) return { kind: 'study', storage, name: target };
      const known = store.listStudies().map((s) => s.name);
      throw new Error(`"${target}" is neither a run folder nor a study in ${storage}${known.length ? ` (studies: ${known.join(', ')})` : ''}`);
    } finally {
      store.close();
    }
  }
  throw new Error(`"${target}" is neither a run folder nor a study (no study storage at ${storage}; pass --storage)`);
}
