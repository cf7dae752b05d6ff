import { Option } from 'commander';
import { ConfigError, exitCodes, kubernetesOptionsSchema } from '@tensorfleet/protocol';
import { followJob, KubernetesApi, objectNames, type Manifest } from '@tensorfleet/kubernetes';
import { manifestsFromFlags } from './k8s-manifests.js';
import { numberArg } from './options.js';
import { schemaFlags } from './schema-flags.js';

/** What every kubernetes help text says, because it is true. */
export const notRunLive = 'NOTE: this launcher has not run against a live cluster: its manifests are checked against the Kubernetes schema and its API calls against a fake API server only.';

/** The flags of a Kubernetes training job (`k8s train`, `train --launcher kubernetes`): the launcher's options, and how often the PS Job is looked at. */
export function kubernetesTrainFlags(): Option[] {
  return [
    ...schemaFlags(kubernetesOptionsSchema),
    new Option('--poll-ms <ms>', 'how often the PS Job is looked at').argParser(numberArg('--poll-ms', true)).default(2000).hideHelp(),
  ];
}

/**
 * `tensorfleet k8s train` and `train --launcher kubernetes`: creates the job's objects in the cluster of the kubeconfig ($KUBECONFIG, else
 * ~/.kube/config; --context) and follows the PS's log to stdout until its Job ends. The PS Job is created first and
 * owns every other object, so one deletion (Ctrl-C here, or `kubectl delete job NAME-ps`) removes the whole job.
 * Returns the exit code: the PS pod's, or interrupted.
 */
export async function trainOnKubernetes(flags: Record<string, unknown>): Promise<number> {
  const { manifests, options } = manifestsFromFlags(flags);
  let api: KubernetesApi;
  try {
    api = KubernetesApi.fromKubeconfig({ ...(options.context ? { context: options.context } : {}) });
  } catch (err) {
    throw new ConfigError(`kubeconfig: ${(err as Error).message}`);
  }
  const names = objectNames(options.name);
  const ps = manifests.find((m) => m.kind === 'Job' && m.metadata?.name === names.ps)!;
  const say = (line: string) => process.stderr.write(`tensorfleet: ${line}\n`);
  const uid = await api.create(ps);
  const owner = { apiVersion: 'batch/v1', kind: 'Job', name: names.ps, uid, blockOwnerDeletion: true };
  for (const m of manifests.filter((x) => x !== ps)) await api.create({ ...m, metadata: { ...m.metadata, ownerReferences: [owner] } } as Manifest);
  say(`created ${manifests.length} objects in namespace ${options.namespace} at ${api.server}; following the PS's log (Ctrl-C deletes the job)`);

  let interrupted = false;
  const onSignal = () => {
    interrupted = true;
    say(`deleting Job ${names.ps} and everything it owns`);
    void api.deleteJob(options.namespace, names.ps).catch((err: Error) => say(err.message));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const end = await followJob(api, options.namespace, names.ps, 'ps', (line) => process.stdout.write(`${line}\n`), { pollMs: (flags.pollMs as number | undefined) ?? 2000 });
    if (end.ended === 'exited') {
      if (end.code !== 0) say(`the PS exited with ${end.code}${end.failure ? ` (${end.failure})` : ''}`);
      // The PS's own code (exitCodes: diverged, interrupted, ...) is the job's, as a local run's would be.
      return end.code === 0 ? exitCodes.ok : interrupted ? exitCodes.interrupted : end.code;
    }
    if (end.ended === 'lost') say(`lost the job: ${end.error}`);
    else say(`Job ${names.ps} was deleted`);
    return interrupted ? exitCodes.interrupted : exitCodes.failed;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
