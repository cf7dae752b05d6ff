import { z } from 'zod';

/** A DNS-1123 label (what Kubernetes accepts as a namespace, and inside object names). */
const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A resource quantity as Kubernetes writes one: `500m`, `2`, `4Gi`, `1.5G`. */
const quantity = z.string().regex(/^[0-9]+(\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/, 'expected a Kubernetes quantity such as 500m, 2, 4Gi');

/** The image `tensorfleet k8s manifests` uses unless --image says otherwise: built from infra/docker/Dockerfile.cpu. */
export const defaultKubernetesImage = 'tensorfleet:0.1.0-cpu';

/**
 * Options of the `kubernetes` launcher: where a training job (a PS Job + Service and an Indexed Job of workers) or an
 * HPO trial (one Job) runs and what it may use. The one definition: `tensorfleet k8s manifests` and `train --launcher
 * kubernetes` derive their flags from it, the study spec's launcher options are checked with it.
 * @example
 * const options = kubernetesOptionsSchema.parse({ image: 'registry.example/tensorfleet:gpu', gpusPerWorker: 1 });
 */
export const kubernetesOptionsSchema = z
  .object({
    image: z.string().min(1).default(defaultKubernetesImage).describe('container image with tensorfleet as its entrypoint (infra/docker/Dockerfile.cpu or Dockerfile.gpu)'),
    namespace: z.string().max(63).regex(dnsLabel, 'expected a DNS-1123 label (lowercase letters, digits, -)').default('default').describe('namespace of every object'),
    name: z
      .string()
      .max(40)
      .regex(dnsLabel, 'expected a DNS-1123 label (lowercase letters, digits, -) of at most 40 characters')
      .default('tensorfleet')
      .describe('prefix of every object name (NAME-ps, NAME-workers, ...); at most 40 characters so pod names fit 63'),
    gpusPerWorker: z.number().int().min(0).max(16).default(0).describe('nvidia.com/gpu limit of each worker pod (each HPO trial pod: per worker)'),
    cpu: quantity.default('1').describe('CPU request of each worker and PS pod'),
    memory: quantity.default('2Gi').describe('memory request and limit of each worker and PS pod'),
    port: z.number().int().min(1).max(65535).default(7070).describe('port of the PS Service'),
    backoffLimit: z.number().int().min(0).max(100).default(6).describe('pod failures the workers Job tolerates (a worker that started before the PS was ready fails and is retried)'),
    imagePullPolicy: z.enum(['Always', 'IfNotPresent', 'Never']).default('IfNotPresent').describe('when the kubelet pulls the image'),
    runClaim: z.string().regex(dnsLabel, 'expected the name of a PersistentVolumeClaim').optional().describe('PersistentVolumeClaim mounted as the run folder (default: an emptyDir, gone with the pod)'),
    context: z.string().min(1).optional().describe('kubeconfig context to use (default: the current one of $KUBECONFIG or ~/.kube/config)'),
  })
  .strict();

export type KubernetesOptions = z.output<typeof kubernetesOptionsSchema>;
export type KubernetesOptionsInput = z.input<typeof kubernetesOptionsSchema>;
