import type { IContainer, IEnvVar, IPodSpec, IResourceRequirements, IVolume } from 'kubernetes-models/v1';
import type { KubernetesOptions } from '@tensorfleet/protocol';
import { podPaths, tokenEnv, tokenKey } from './names.js';

/** The token as an environment variable read from its Secret (never a literal in the pod spec). */
export function tokenFromSecret(secretName: string): IEnvVar {
  return { name: tokenEnv, valueFrom: { secretKeyRef: { name: secretName, key: tokenKey } } };
}

/** Requests (cpu, memory), the memory limit, and `gpus` nvidia.com/gpu when there are any. */
export function podResources(options: KubernetesOptions, gpus: number): IResourceRequirements {
  return {
    requests: { cpu: options.cpu, memory: options.memory },
    limits: { memory: options.memory, ...(gpus > 0 ? { 'nvidia.com/gpu': gpus } : {}) },
  };
}

/** The job config (a ConfigMap, read-only) and the run folder (the runClaim, else an emptyDir). */
export function runVolumes(options: KubernetesOptions, configMap: string): { volumes: IVolume[]; mounts: NonNullable<IContainer['volumeMounts']> } {
  return {
    volumes: [
      { name: 'config', configMap: { name: configMap } },
      options.runClaim ? { name: 'run', persistentVolumeClaim: { claimName: options.runClaim } } : { name: 'run', emptyDir: {} },
    ],
    mounts: [
      { name: 'config', mountPath: podPaths.configDir, readOnly: true },
      { name: 'run', mountPath: podPaths.run },
    ],
  };
}

/**
 * The pod spec shared by every tensorfleet pod: one container of the image (whose entrypoint is `tensorfleet`), never
 * restarted in place (a failed pod is replaced by its Job, so its log stays readable), as the image's unprivileged
 * user 1000 (`node`), which also owns the run folder.
 */
export function tensorfleetPod(options: KubernetesOptions, container: Omit<IContainer, 'image' | 'imagePullPolicy'>, volumes: IVolume[]): IPodSpec {
  return {
    restartPolicy: 'Never',
    securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000 },
    containers: [{ ...container, image: options.image, imagePullPolicy: options.imagePullPolicy, securityContext: { allowPrivilegeEscalation: false } }],
    ...(volumes.length ? { volumes } : {}),
  };
}
