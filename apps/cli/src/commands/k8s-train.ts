import { ConfigError, exitCodes } from '@tensorfleet/protocol';
import { followJob, KubernetesApi, objectNames, type Manifest } from '@tensorfleet/kubernetes';
import { manifestsFromFlags } from './k8s-manifests.js';

export { kubernetesTrainFlags, notRunLive } from './k8s-train-flags.js';

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
