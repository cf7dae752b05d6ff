// `tensorfleet hpo run` with `launcher: {kubernetes: ...}` through the real binary, against a loopback fake API
// server (helpers/fake-kube-api.js) whose trial pods print epoch lines: it checks the calls and the study's
// bookkeeping only — this launcher has not run against a live cluster.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from './helpers/cli.js';
import { startFakeKubeApi } from './helpers/fake-kube-api.js';

const epoch = (n, valAccuracy) => JSON.stringify({ level: 30, role: 'cli', msg: 'epoch', epoch: n, loss: 0.5, accuracy: 0.8, valLoss: 0.4, valAccuracy, lr: 0.01, seconds: 1, samplesPerSec: 100 });

test('hpo run on kubernetes: one Job per trial, objectives from the followed pod logs, every Job created in the namespace', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tf-k8s-hpo-'));
  // Trial N's pod reports val accuracy 0.5 + N/10 at its last epoch.
  const fake = await startFakeKubeApi({ script: (job) => {
    const n = Number(job.metadata.labels['tensorfleet.dev/trial']);
    return { lines: [epoch(1, 0.4), epoch(2, 0.5 + n / 10)], exitCode: 0 };
  } });
  try {
    const spec = join(dir, 'spec.yaml');
    writeFileSync(spec, [
      'name: k8s-grid',
      'searcher: grid',
      'objective: { metric: valAccuracy }',
      'budget: { maxConcurrent: 2, maxEpochs: 2 }',
      'base: { model: { preset: mlp } }',
      'space: { optimizer.lr: [0.01, 0.03, 0.1] }',
      'launcher: { kubernetes: { namespace: hpo, image: registry.example/tensorfleet:1 } }',
    ].join('\n'));
    const storage = join(dir, 'studies.sqlite');
    const env = { KUBECONFIG: fake.writeKubeconfig(dir) };
    await runCli(['hpo', 'run', spec, '--storage', storage, '--json'], { env });
    const status = JSON.parse((await runCli(['hpo', 'status', 'k8s-grid', '--storage', storage, '--json'], { env })).lines.join('\n'));
    const trials = status.trials;
    assert.equal(trials.length, 3);
    for (const t of trials) {
      assert.equal(t.state, 'completed', JSON.stringify(t));
      assert.ok(Math.abs(t.objective - (0.5 + t.trial / 10)) < 1e-9, `trial ${t.trial}: objective ${t.objective} from its pod's log`);
    }
    const jobs = fake.requests.filter((r) => r.method === 'POST' && r.body.kind === 'Job');
    assert.deepEqual(jobs.map((r) => r.body.metadata.name).sort(), ['tensorfleet-k8s-grid-t0', 'tensorfleet-k8s-grid-t1', 'tensorfleet-k8s-grid-t2']);
    assert.ok(jobs.every((r) => r.path === '/apis/batch/v1/namespaces/hpo/jobs' && r.body.spec.template.spec.containers[0].image === 'registry.example/tensorfleet:1'));
  } finally {
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
