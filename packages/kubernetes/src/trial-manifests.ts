import type { IJob } from 'kubernetes-models/batch/v1';
import type { IConfigMap } from 'kubernetes-models/v1';
import type { IOwnerReference } from '@kubernetes-models/apimachinery/apis/meta/v1/OwnerReference';
import type { KubernetesOptions } from '@tensorfleet/protocol';
import { dnsLabel, jobLabels, podPaths } from './names.js';
import { podResources, runVolumes, tensorfleetPod } from './pod-parts.js';

/** One HPO trial as a Kubernetes Job: `tensorfleet train` (its PS and workers in one pod) on the trial's config. */
export interface TrialJobInput {
  options: KubernetesOptions;
  study: string;
  trial: number;
  workers: number;
}

/**
 * The Job's name: NAME-STUDY-tN, a DNS-1123 label short enough (≤ 52) for the pod names Kubernetes derives from it.
 * @example
 * trialJobName('tensorfleet', 'lr sweep', 7); // 'tensorfleet-lr-sweep-t7'
 */
export function trialJobName(name: string, study: string, trial: number): string {
  const suffix = `-t${trial}`;
  return `${name}-${dnsLabel(study, Math.max(1, 52 - name.length - 1 - suffix.length))}${suffix}`;
}

/**
 * The trial's Job: one pod running `tensorfleet train --workers W` with W × gpusPerWorker nvidia.com/gpu (the CLI
 * pins one process per GPU inside it), never retried by Kubernetes (the coordinator decides about retries), its
 * config from the ConfigMap `trialConfigMap` makes.
 */
export function trialJob(input: TrialJobInput): IJob {
  const { options } = input;
  const name = trialJobName(options.name, input.study, input.trial);
  const { volumes, mounts } = runVolumes(options, name);
  const gpus = options.gpusPerWorker * input.workers;
  const labels = { ...jobLabels(options.name, 'trial'), 'tensorfleet.dev/study': dnsLabel(input.study, 63), 'tensorfleet.dev/trial': String(input.trial) };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: options.namespace, labels },
    spec: {
      backoffLimit: 0,
      completions: 1,
      parallelism: 1,
      template: {
        metadata: { labels },
        spec: tensorfleetPod(options, {
          name: 'trial',
          args: ['train', '--config', podPaths.config, '--out', podPaths.run, '--workers', String(input.workers), '--metrics-port', '0', '--json'],
          env: gpus > 0 ? [{ name: 'TENSORFLEET_WORKER_GPUS', value: perWorkerGpus(input.workers, options.gpusPerWorker) }] : [],
          resources: podResources(options, gpus),
          volumeMounts: mounts,
        }, volumes),
      },
    },
  };
}

/** The trial's config, owned by its Job once that exists (so deleting the Job deletes it too). */
export function trialConfigMap(job: IJob, configYaml: string, owner?: { uid: string }): IConfigMap {
  const ownerReferences: IOwnerReference[] | undefined = owner
    ? [{ apiVersion: 'batch/v1', kind: 'Job', name: job.metadata!.name!, uid: owner.uid, blockOwnerDeletion: true }]
    : undefined;
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: job.metadata!.name!, namespace: job.metadata!.namespace!, labels: job.metadata!.labels!, ...(ownerReferences ? { ownerReferences } : {}) },
    data: { [podPaths.configKey]: configYaml },
  };
}

/** `0,1;2,3`: the pod's GPUs split among its workers, as TENSORFLEET_WORKER_GPUS gives them to `tensorfleet train`. */
function perWorkerGpus(workers: number, perWorker: number): string {
  return Array.from({ length: workers }, (_, w) => Array.from({ length: perWorker }, (_, g) => w * perWorker + g).join(',')).join(';');
}
