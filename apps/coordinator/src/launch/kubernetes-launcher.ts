import { createWriteStream, readFileSync } from 'node:fs';
import type { KubernetesOptions } from '@tensorfleet/protocol';
import { followJob, trialConfigMap, trialJob, validateManifests, type KubernetesApi } from '@tensorfleet/kubernetes';
import { readTrialLine } from './log-lines.js';
import type { JobHandle, Launcher, RunningTrial, TrialExit, TrialHandlers, TrialJob } from './types.js';

export interface KubernetesLauncherOptions {
  api: KubernetesApi;
  options: KubernetesOptions;
  /** How often the Job and its pod are looked at. Default 2000 ms. */
  pollMs?: number;
  /** API calls that may fail in a row (cluster unreachable) before the trial counts as failed. Default 30. */
  maxFailedPolls?: number;
}

const container = 'trial';

/**
 * Runs each trial as a Kubernetes Job (one pod: `tensorfleet train` with the trial's config from a ConfigMap the Job
 * owns). start = create the Job and its ConfigMap, metrics = the pod's log followed, stop = delete the Job with
 * propagationPolicy Foreground (its pod gets SIGTERM, then the Job is gone), handle = {namespace, name}, reap = the
 * same delete. summary.json stays in the pod (summaryPath null): the report uses the streamed epoch lines.
 * Not run against a live cluster: its calls are tested against a fake API server.
 *
 * @example
 * const launcher = new KubernetesLauncher({ api: KubernetesApi.fromKubeconfig(), options: kubernetesOptionsSchema.parse({ image }) });
 * await runStudy(spec, { launcher });
 */
export class KubernetesLauncher implements Launcher {
  readonly name = 'kubernetes';
  private readonly pollMs: number;
  private readonly maxFailedPolls: number;

  constructor(private readonly o: KubernetesLauncherOptions) {
    this.pollMs = o.pollMs ?? 2000;
    this.maxFailedPolls = o.maxFailedPolls ?? 30;
  }

  start(job: TrialJob, handlers: TrialHandlers): RunningTrial {
    const { api, options } = this.o;
    const manifest = trialJob({ options, study: job.study, trial: job.trial, workers: job.allocation.workers.length });
    const name = manifest.metadata!.name!;
    const namespace = options.namespace;
    const handle: JobHandle = { namespace, name };
    const log = createWriteStream(job.logPath, { flags: 'a' });
    const tags = { study: job.study, trial: job.trial };
    const tail: string[] = [];
    let divergedEpoch: number | null = null;
    let stopping: Promise<void> | null = null;
    let stopRequested = false;

    const onLine = (text: string): void => {
      const seen = readTrialLine(text, 'stdout', tags, log); // a pod's log has stdout and stderr in one stream
      if (!seen) return;
      tail.push(text);
      if (tail.length > 20) tail.shift();
      if (seen.divergedEpoch !== null) divergedEpoch = seen.divergedEpoch;
      if (seen.epoch && !stopping) handlers.onEpoch(seen.epoch);
    };
    const ended = (code: number | null, signal: string | null, startError?: string): TrialExit => ({
      code, signal, divergedEpoch, summaryPath: null, stderrTail: tail.join('\n'), ...(startError ? { startError } : {}),
    });

    const run = async (): Promise<TrialExit> => {
      try {
        validateManifests([manifest]);
        const uid = await api.create(manifest);
        const config = trialConfigMap(manifest, readFileSync(job.configPath, 'utf8'), { uid });
        validateManifests([config]);
        await api.create(config);
        if (stopRequested) await api.deleteJob(namespace, name); // stopped while it was being created
      } catch (err) {
        await new Promise<void>((r) => log.end(r));
        return ended(null, null, `cannot create the trial's Job: ${(err as Error).message}`);
      }
      const end = await followJob(api, namespace, name, container, onLine, { pollMs: this.pollMs, maxFailedPolls: this.maxFailedPolls });
      await new Promise<void>((r) => log.end(r));
      if (end.ended === 'deleted') return ended(null, 'SIGTERM'); // stopped (or deleted by someone else)
      if (end.ended === 'lost') return ended(null, null, `lost the trial's Job ${namespace}/${name}: ${end.error}`);
      if (end.failure) tail.push(`the Job failed: ${end.failure}`);
      return ended(end.code, null);
    };

    const exited = run();
    const stop = (): Promise<void> => {
      stopRequested = true;
      stopping ??= (async () => {
        await api.deleteJob(namespace, name).catch(() => false);
        await exited;
      })();
      return stopping;
    };
    return { handle, stop, exited };
  }

  reap(handle: JobHandle): void {
    const { namespace, name } = handle;
    if (typeof namespace === 'string' && typeof name === 'string') void this.o.api.deleteJob(namespace, name).catch(() => false);
  }
}
