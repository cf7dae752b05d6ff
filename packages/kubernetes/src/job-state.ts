import type { V1Job, V1Pod } from '@kubernetes/client-node';

/** Where a Job stands: still going, or finished one way or the other (with the API's reason). */
export type JobOutcome = { state: 'running' } | { state: 'succeeded' } | { state: 'failed'; reason: string };

/**
 * A Job's outcome from its status conditions (`Complete` / `Failed` set to "True" are final).
 * @example
 * jobOutcome({ status: { conditions: [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded' }] } }); // { state: 'failed', reason: 'BackoffLimitExceeded' }
 */
export function jobOutcome(job: V1Job): JobOutcome {
  for (const c of job.status?.conditions ?? []) {
    if (c.status !== 'True') continue;
    if (c.type === 'Complete') return { state: 'succeeded' };
    if (c.type === 'Failed') return { state: 'failed', reason: [c.reason, c.message].filter(Boolean).join(': ') || 'failed' };
  }
  return { state: 'running' };
}

/** The exit code of a pod's container once it terminated, else null (still waiting or running). */
export function podExit(pod: V1Pod, container: string): { code: number; reason: string | null } | null {
  const terminated = pod.status?.containerStatuses?.find((s) => s.name === container)?.state?.terminated;
  return terminated ? { code: terminated.exitCode, reason: terminated.reason ?? null } : null;
}

/** A pod whose container's log can be read: it started (running or terminated). */
export function logReadable(pod: V1Pod, container: string): boolean {
  const state = pod.status?.containerStatuses?.find((s) => s.name === container)?.state;
  return Boolean(state?.running ?? state?.terminated);
}
