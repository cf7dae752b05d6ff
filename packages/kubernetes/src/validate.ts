import { Job } from 'kubernetes-models/batch/v1';
import { ConfigMap, Secret, Service } from 'kubernetes-models/v1';
import { manifestId, type Manifest } from './manifest.js';

/** The schema model of each kind we write (kubernetes-models: the official OpenAPI schema compiled to validators). */
const models = { Job, ConfigMap, Secret, Service } as const;

/** Object names Kubernetes accepts for these kinds (DNS-1123 labels; Services need one, the others allow no more here). */
const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * Checks each manifest against the Kubernetes API schema of its kind (types, required fields, enums, quantity
 * formats) and its name against DNS-1123; throws one Error naming the object and every problem. The OpenAPI schema
 * does not reject unknown fields: the golden files in the tests pin the exact objects.
 * @example
 * validateManifests(trainingManifests(input)); // throws e.g. 'Job/x-workers: data/spec/completions must be integer'
 */
export function validateManifests(manifests: readonly Manifest[]): void {
  for (const manifest of manifests) {
    const Model = models[manifest.kind];
    const name = manifest.metadata?.name ?? '';
    if (!dnsLabel.test(name) || name.length > 63) throw new Error(`${manifestId(manifest)}: the name is not a DNS-1123 label of at most 63 characters`);
    try {
      new Model(manifest as never).validate();
    } catch (err) {
      throw new Error(`${manifestId(manifest)}: ${(err as Error).message}`);
    }
  }
}
