import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, generateToken, kubernetesOptionsSchema, type KubernetesOptions, type TrainConfig } from '@tensorfleet/protocol';
import { manifestsYaml, trainingManifests, validateManifests, type Manifest } from '@tensorfleet/kubernetes';
import { configFromFlags } from './options.js';
import { optionsFromFlags } from './schema-flags.js';

/** A training job's manifests from the command's flags: the config checked like `train` checks it, then the schema. */
export function manifestsFromFlags(flags: Record<string, unknown>): { manifests: Manifest[]; options: KubernetesOptions; config: TrainConfig } {
  const options = optionsFromFlags(kubernetesOptionsSchema, flags);
  // The config is checked here (a bad one exits 2 now, not in a pod); the pod gets the file as written.
  const config = configFromFlags({ config: flags.config }, { workers: flags.workers });
  const configYaml = typeof flags.config === 'string' ? readFileSync(flags.config, 'utf8') : '{}\n';
  const manifests = trainingManifests({ options, workers: config.workers, configYaml, token: generateToken(), backend: config.backend });
  validateManifests(manifests);
  return { manifests, options, config };
}

/** Where a source other than the built-in digits reads files: those must exist in the PS pod. */
export function dataWarning(config: TrainConfig): string | null {
  return config.data.source === 'mnist-digits'
    ? null
    : 'the config reads data files: the PS pod reads them at the same paths, so put them in the image or on --run-claim';
}

/**
 * `tensorfleet k8s manifests`: writes the job's YAML to `--out DIR` (DIR/NAME.yaml) or stdout (`-`), ready for
 * `kubectl apply -f`. Returns the path written, or '-'.
 */
export function writeManifests(flags: Record<string, unknown>): string {
  const { manifests, options, config } = manifestsFromFlags(flags);
  const warning = dataWarning(config);
  if (warning) process.stderr.write(`tensorfleet: warning: ${warning}\n`);
  const out = (flags.out as string | undefined) ?? '-';
  const yaml = manifestsYaml(manifests);
  if (out === '-') {
    process.stdout.write(yaml);
    return out;
  }
  try {
    mkdirSync(out, { recursive: true });
  } catch (err) {
    throw new ConfigError(`--out ${out}: cannot create the folder (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const path = join(out, `${options.name}.yaml`);
  writeFileSync(path, yaml, { mode: 0o600 }); // it holds the token
  process.stdout.write(`${path}\n`);
  return path;
}
