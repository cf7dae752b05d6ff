// The flags of a Kubernetes training job, apart from the launcher itself: `train` defines them for every run (its
// --help lists them), and this file keeps that from loading the Kubernetes client (about 2 s of a start-up here).
import { Option } from 'commander';
import { kubernetesOptionsSchema } from '@tensorfleet/protocol';
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
