import { stringify } from 'yaml';
import type { Manifest } from './manifest.js';

/**
 * Manifests as one multi-document YAML stream (what `kubectl apply -f` reads), in the given order.
 * @example
 * writeFileSync('job.yaml', manifestsYaml(trainingManifests(input)));
 */
export function manifestsYaml(manifests: readonly Manifest[]): string {
  return manifests.map((m) => stringify(m, { lineWidth: 0 })).join('---\n');
}
