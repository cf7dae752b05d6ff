// @tensorfleet/kubernetes: a training job or an HPO trial as Kubernetes objects (checked against the Kubernetes
// schema), and the client calls that create, follow and delete them. Imports protocol only.
export { trainingManifests, type TrainingJobInput } from './training-manifests.js';
export { trialJob, trialConfigMap, trialJobName, type TrialJobInput } from './trial-manifests.js';
export { validateManifests } from './validate.js';
export { manifestsYaml } from './yaml.js';
export { manifestId, type Manifest } from './manifest.js';
export { jobLabels, objectNames, podPaths, dnsLabel } from './names.js';
export { KubernetesApi, type KubeconfigChoice, type FollowedLog, type PodLogLine } from './api.js';
export { jobOutcome, podExit, logReadable, type JobOutcome } from './job-state.js';
export { followJob, type JobEnd, type FollowJobOptions } from './follow-job.js';
