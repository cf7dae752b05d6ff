import type { FollowedLog, KubernetesApi } from './api.js';
import { jobOutcome, logReadable, podExit } from './job-state.js';

/** How a followed Job ended. */
export type JobEnd =
  | { ended: 'exited'; code: number; failure: string | null }
  | { ended: 'deleted' }
  | { ended: 'lost'; error: string };

export interface FollowJobOptions {
  /** How often the Job and its pod are looked at. Default 2000 ms. */
  pollMs?: number;
  /** Calls that may fail in a row (cluster unreachable) before giving up. Default 30. */
  maxFailedPolls?: number;
}

/**
 * Follows a Job until it ends: the log of its (newest) pod's `container` line by line from its start, and its status
 * until Complete/Failed (the pod's exit code), deleted, or the API failing `maxFailedPolls` times in a row.
 * @example
 * const end = await followJob(api, 'default', 'tensorfleet-ps', 'ps', (line) => console.log(line));
 * if (end.ended === 'exited') process.exitCode = end.code;
 */
export async function followJob(api: KubernetesApi, namespace: string, job: string, container: string, onLine: (text: string) => void, options: FollowJobOptions = {}): Promise<JobEnd> {
  const pollMs = options.pollMs ?? 2000;
  const maxFailedPolls = options.maxFailedPolls ?? 30;
  const selector = `job-name=${job}`;
  let followed: FollowedLog | null = null;
  let failedPolls = 0;
  const follow = async (): Promise<void> => {
    const pod = (await api.listPods(namespace, selector)).at(-1);
    if (pod && logReadable(pod, container)) followed = await api.followLog(namespace, pod.metadata!.name!, container, onLine);
  };
  /** What is left of the log (5 s at most), then the end. */
  const finish = async (end: JobEnd): Promise<JobEnd> => {
    const log = followed as FollowedLog | null;
    if (log) {
      const timer = setTimeout(() => log.stop(), 5000);
      await log.done;
      clearTimeout(timer);
    }
    return end;
  };
  for (;;) {
    try {
      if (!followed) await follow();
      const current = await api.readJob(namespace, job);
      failedPolls = 0;
      if (!current) return await finish({ ended: 'deleted' });
      const outcome = jobOutcome(current);
      if (outcome.state !== 'running') {
        if (!followed) await follow().catch(() => {});
        const pod = (await api.listPods(namespace, selector)).at(-1);
        const exit = pod ? podExit(pod, container) : null;
        return await finish({ ended: 'exited', code: exit?.code ?? (outcome.state === 'succeeded' ? 0 : 1), failure: outcome.state === 'failed' ? outcome.reason : null });
      }
    } catch (err) {
      if (++failedPolls >= maxFailedPolls) return await finish({ ended: 'lost', error: (err as Error).message });
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
