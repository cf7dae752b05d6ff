import type { IJob } from 'kubernetes-models/batch/v1';
import type { IConfigMap, ISecret, IService } from 'kubernetes-models/v1';
import type { KubernetesOptions } from '@tensorfleet/protocol';
import type { Manifest } from './manifest.js';
import { jobLabels, objectNames, podPaths, tokenKey } from './names.js';
import { podResources, runVolumes, tensorfleetPod, tokenFromSecret } from './pod-parts.js';

/** What a training job's manifests are made of. */
export interface TrainingJobInput {
  options: KubernetesOptions;
  /** Worker pods (the world size). */
  workers: number;
  /** The train config as YAML, stored in the ConfigMap and read by the PS (`--config`). */
  configYaml: string;
  /** The shared secret, stored in the Secret only. */
  token: string;
  /** The workers' tfjs backend (the config's `backend`). */
  backend: string;
}

/** The PS's Prometheus port inside its pod (the `tensorfleet ps` default). */
const metricsPort = 9464;

/**
 * The objects of one training job: the token's Secret, the config's ConfigMap, the PS as a 1-pod Job behind a Service,
 * and the workers as an Indexed Job whose completion index is each worker's rank. Plain objects, typed with the
 * Kubernetes schema's types; `validateManifests` checks them against the schema itself.
 * @example
 * const manifests = trainingManifests({ options: kubernetesOptionsSchema.parse({}), workers: 2, configYaml: 'epochs: 3\n', token, backend: 'auto' });
 * // Secret tensorfleet-token, ConfigMap tensorfleet-config, Service + Job tensorfleet-ps, Job tensorfleet-workers
 */
export function trainingManifests(input: TrainingJobInput): Manifest[] {
  const { options, workers } = input;
  const names = objectNames(options.name);
  const meta = (name: string, component: 'ps' | 'worker') => ({ name, namespace: options.namespace, labels: jobLabels(options.name, component) });
  const { volumes, mounts } = runVolumes(options, names.config);

  const secret: ISecret = { apiVersion: 'v1', kind: 'Secret', metadata: meta(names.token, 'ps'), type: 'Opaque', stringData: { [tokenKey]: input.token } };
  const config: IConfigMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta(names.config, 'ps'), data: { [podPaths.configKey]: input.configYaml } };
  const service: IService = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(names.ps, 'ps'),
    spec: {
      selector: jobLabels(options.name, 'ps'),
      ports: [{ name: 'ps', port: options.port, targetPort: 'ps' }, { name: 'metrics', port: metricsPort, targetPort: 'metrics' }],
    },
  };
  const ps: IJob = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: meta(names.ps, 'ps'),
    spec: {
      // A replaced PS would start the run over while the workers belong to the old one: the job fails instead.
      backoffLimit: 0,
      completions: 1,
      parallelism: 1,
      template: {
        metadata: { labels: jobLabels(options.name, 'ps') },
        spec: tensorfleetPod(options, {
          name: 'ps',
          args: [
            'ps', '--workers', String(workers), '--host', '0.0.0.0', '--port', String(options.port), '--config', podPaths.config,
            '--out', podPaths.run, '--json', '--metrics-host', '0.0.0.0', '--metrics-port', String(metricsPort),
          ],
          env: [tokenFromSecret(names.token)],
          ports: [{ name: 'ps', containerPort: options.port }, { name: 'metrics', containerPort: metricsPort }],
          // The Service sends workers here only once the PS listens.
          readinessProbe: { tcpSocket: { port: 'ps' }, periodSeconds: 2 },
          resources: podResources(options, 0),
          volumeMounts: mounts,
        }, volumes),
      },
    },
  };
  const index = '$(JOB_COMPLETION_INDEX)'; // expanded by the kubelet from the env entry below
  const workerJob: IJob = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: meta(names.workers, 'worker'),
    spec: {
      completionMode: 'Indexed',
      completions: workers,
      parallelism: workers,
      backoffLimit: options.backoffLimit,
      template: {
        metadata: { labels: jobLabels(options.name, 'worker') },
        spec: tensorfleetPod(options, {
          name: 'worker',
          args: ['worker', '--ps', `ws://${names.ps}:${options.port}`, '--rank', index, '--name', `${names.workers}-${index}`, '--backend', input.backend, '--json'],
          env: [
            { name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } } },
            tokenFromSecret(names.token),
            // Data files fetched from the PS go where uid 1000 can write in any image.
            { name: 'TENSORFLEET_CACHE', value: '/tmp/tensorfleet-cache' },
          ],
          resources: podResources(options, options.gpusPerWorker),
        }, []),
      },
    },
  };
  return [secret, config, service, ps, workerJob];
}
