// The kubernetes trial launcher's API calls, against a loopback fake API server (helpers/fake-kube-api.js): it has
// not run against a live cluster. Checked: the Job and its ConfigMap are created (schema-valid, config inside, owned
// by the Job), the pod's log is followed into the trial's log and its epoch lines reported, the exit code comes
// from the pod, stop deletes with propagationPolicy Foreground, and reap deletes a leftover Job.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { KubernetesLauncher } from '@tensorfleet/coordinator';
import { KubernetesApi } from '@tensorfleet/kubernetes';
import { kubernetesOptionsSchema } from '@tensorfleet/protocol';
import { startFakeKubeApi } from './helpers/fake-kube-api.js';

const epochLine = (epoch, valAccuracy) => JSON.stringify({ level: 30, role: 'cli', msg: 'epoch', epoch, loss: 0.5, accuracy: 0.8, valLoss: 0.4, valAccuracy, lr: 0.01, seconds: 1, samplesPerSec: 100 });

function trialJob(dir, trial) {
  const configPath = join(dir, `trial-${trial}.yaml`);
  writeFileSync(configPath, 'epochs: 2\noptimizer: {name: adam, lr: 0.001}\n');
  return { study: 'LR Sweep', trial, configPath, dir, resume: false, allocation: { trialId: trial, workers: [{ node: 'k8s', gpus: [] }, { node: 'k8s', gpus: [] }] }, logPath: join(dir, `trial-${trial}.log`) };
}

test('kubernetes launcher: create Job + ConfigMap, follow the log, exit code, stop with Foreground deletion, reap', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tf-k8s-launcher-'));
  const fake = await startFakeKubeApi({
    script: (job) => (job.metadata.name.endsWith('-t0')
      ? { lines: [epochLine(1, 0.7), 'plain text on stderr', epochLine(2, 0.9)], exitCode: 0 }
      : { lines: Array.from({ length: 400 }, (_, i) => epochLine(i + 1, 0.5)), exitCode: 0, lineMs: 50 }),
  });
  try {
    const api = KubernetesApi.fromKubeconfig({ kubeconfig: fake.writeKubeconfig(dir) });
    const options = kubernetesOptionsSchema.parse({ namespace: 'hpo', image: 'registry.example/tf:1', gpusPerWorker: 1 });
    const launcher = new KubernetesLauncher({ api, options, pollMs: 50 });

    // A trial that runs to the end.
    const epochs = [];
    const first = launcher.start(trialJob(dir, 0), { onEpoch: (r) => epochs.push(r) });
    assert.deepEqual(first.handle, { namespace: 'hpo', name: 'tensorfleet-lr-sweep-t0' });
    const exit = await first.exited;
    assert.equal(exit.code, 0, JSON.stringify(exit));
    assert.equal(exit.startError, undefined);
    assert.deepEqual(epochs.map((e) => [e.epoch, e.metrics.valAccuracy]), [[1, 0.7], [2, 0.9]]);
    const logged = readFileSync(join(dir, 'trial-0.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(logged.length, 3);
    assert.ok(logged.every((l) => l.study === 'LR Sweep' && l.trial === 0), 'every line tagged with study and trial');
    assert.equal(logged[1].msg, 'plain text on stderr');

    const posts = fake.requests.filter((r) => r.method === 'POST');
    assert.deepEqual(posts.map((r) => r.path), ['/apis/batch/v1/namespaces/hpo/jobs', '/api/v1/namespaces/hpo/configmaps']);
    assert.ok(fake.requests.every((r) => r.authorization === `Bearer ${fake.token}`), 'the kubeconfig user token on every call');
    const job = posts[0].body;
    assert.equal(job.spec.backoffLimit, 0);
    assert.equal(job.spec.template.spec.restartPolicy, 'Never');
    const container = job.spec.template.spec.containers[0];
    assert.equal(container.image, 'registry.example/tf:1');
    assert.deepEqual(container.args.slice(0, 7), ['train', '--config', '/etc/tensorfleet/job.yaml', '--out', '/var/lib/tensorfleet/run', '--workers', '2']);
    assert.equal(container.resources.limits['nvidia.com/gpu'], 2, 'two workers × one GPU each');
    assert.deepEqual(container.env, [{ name: 'TENSORFLEET_WORKER_GPUS', value: '0;1' }]);
    const configMap = posts[1].body;
    assert.equal(configMap.data['job.yaml'], 'epochs: 2\noptimizer: {name: adam, lr: 0.001}\n');
    const jobUid = fake.objects.get('Job/hpo/tensorfleet-lr-sweep-t0').metadata.uid;
    assert.deepEqual(configMap.metadata.ownerReferences.map((r) => [r.kind, r.name, r.uid]), [['Job', 'tensorfleet-lr-sweep-t0', jobUid]]);
    const logCall = fake.requests.find((r) => r.path.endsWith('/log'));
    assert.equal(logCall.query.follow, 'true');
    assert.equal(logCall.query.container, 'trial');

    // A long trial stopped midway (as ASHA stops one): Foreground deletion, the exit says it was terminated.
    const reports = [];
    const second = launcher.start(trialJob(dir, 1), { onEpoch: (r) => reports.push(r) });
    const deadline = Date.now() + 20_000;
    while (reports.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.ok(reports.length >= 3, 'epoch lines arrive while the pod runs');
    await second.stop();
    const stopped = await second.exited;
    assert.equal(stopped.code, null);
    assert.equal(stopped.signal, 'SIGTERM');
    const deletion = fake.requests.find((r) => r.method === 'DELETE');
    assert.equal(deletion.path, '/apis/batch/v1/namespaces/hpo/jobs/tensorfleet-lr-sweep-t1');
    assert.equal(deletion.query.propagationPolicy, 'Foreground');
    assert.ok(!fake.objects.has('ConfigMap/hpo/tensorfleet-lr-sweep-t1'), 'its ConfigMap went with it');

    // reap: a Job a dead coordinator left behind is deleted; one already gone is no error.
    launcher.reap(first.handle);
    launcher.reap({ namespace: 'hpo', name: 'never-existed' });
    const reapDeadline = Date.now() + 10_000;
    while (fake.objects.has('Job/hpo/tensorfleet-lr-sweep-t0') && Date.now() < reapDeadline) await new Promise((r) => setTimeout(r, 50));
    assert.ok(!fake.objects.has('Job/hpo/tensorfleet-lr-sweep-t0'), 'reap deleted the leftover Job');
    const reaped = fake.requests.filter((r) => r.method === 'DELETE').map((r) => [r.path.split('/').at(-1), r.query.propagationPolicy]);
    assert.deepEqual(reaped.slice(1).sort(), [['never-existed', 'Foreground'], ['tensorfleet-lr-sweep-t0', 'Foreground']]);
  } finally {
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('kubernetes launcher: a failed pod is its exit code; an existing Job or an unreachable API is a start error', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tf-k8s-launcher-'));
  const fake = await startFakeKubeApi({ script: () => ({ lines: ['{"level":50,"msg":"training failed"}'], exitCode: 3 }) });
  try {
    const api = KubernetesApi.fromKubeconfig({ kubeconfig: fake.writeKubeconfig(dir) });
    const launcher = new KubernetesLauncher({ api, options: kubernetesOptionsSchema.parse({}), pollMs: 50 });
    const failed = await launcher.start(trialJob(dir, 4), { onEpoch: () => {} }).exited;
    assert.equal(failed.code, 3);
    assert.match(failed.stderrTail, /training failed/);

    const again = await launcher.start(trialJob(dir, 4), { onEpoch: () => {} }).exited;
    assert.match(again.startError, /create Job\/tensorfleet-lr-sweep-t4: it already exists/);

    const port = new URL(fake.url).port;
    await fake.close();
    const gone = await new KubernetesLauncher({ api, options: kubernetesOptionsSchema.parse({}), pollMs: 50 }).start(trialJob(dir, 5), { onEpoch: () => {} }).exited;
    assert.match(gone.startError, new RegExp(`cannot reach the Kubernetes API at http://127.0.0.1:${port}`));
  } finally {
    await fake.close().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
});
