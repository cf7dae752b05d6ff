import { Command, Option } from 'commander';
import { defaultKubernetesImage, kubernetesOptionsSchema } from '@tensorfleet/protocol';
import { writeManifests } from './k8s-manifests.js';
import { kubernetesTrainFlags, notRunLive, trainOnKubernetes } from './k8s-train.js';
import { numberArg } from './options.js';
import { schemaFlags } from './schema-flags.js';

/** `tensorfleet k8s`: a training job as Kubernetes objects. */
export function k8sCommand(): Command {
  const k8s = new Command('k8s').description('run tensorfleet on Kubernetes (see `tensorfleet k8s manifests --help`)');
  const manifests = k8s
    .command('manifests')
    .description(
      'write the Kubernetes objects of a training job: the token\'s Secret, the config\'s ConfigMap, the PS as a Job behind a Service, ' +
        `the workers as an Indexed Job (rank = completion index); every object is checked against the Kubernetes schema first. Image default ${defaultKubernetesImage} ` +
        `(infra/docker/Dockerfile.cpu). ${notRunLive}`,
    )
    .option('-c, --config <file>', 'YAML or JSON training config (stored in the ConfigMap; default: the default run)')
    .addOption(new Option('-w, --workers <n>', "worker pods (default: the config's workers)").argParser(numberArg('--workers', true)))
    .option('-o, --out <dir>', 'folder to write NAME.yaml to, or - for stdout', '-');
  for (const option of schemaFlags(kubernetesOptionsSchema)) manifests.addOption(option);
  manifests.action((flags: Record<string, unknown>) => {
    writeManifests(flags);
  });
  const train = k8s
    .command('train')
    .description(
      'create the same objects in the cluster of your kubeconfig ($KUBECONFIG, else ~/.kube/config; --context) and follow the PS\'s log until it ends; ' +
        `Ctrl-C deletes the job (the PS Job owns every other object). ${notRunLive}`,
    )
    .option('-c, --config <file>', 'YAML or JSON training config (stored in the ConfigMap; default: the default run)')
    .addOption(new Option('-w, --workers <n>', "worker pods (default: the config's workers)").argParser(numberArg('--workers', true)));
  for (const option of kubernetesTrainFlags()) train.addOption(option);
  train.action(async (flags: Record<string, unknown>) => {
    process.exitCode = await trainOnKubernetes(flags);
  });
  return k8s;
}
