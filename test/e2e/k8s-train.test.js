// `tensorfleet k8s train` (and `train --launcher kubernetes`) through the real binary against a loopback fake API server (helpers/fake-kube-api.js),
// which checks its calls only: it has not run against a live cluster.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { exitCodes } from '@tensorfleet/protocol';
import { startCli } from './helpers/cli.js';
import { startFakeKubeApi } from './helpers/fake-kube-api.js';

/** The job's objects were created PS Job first, in `namespace`, every other one owned by the PS Job; `workers` completions. */
function assertJobObjects(fake, { namespace, name, workers }) {
  const posts = fake.requests.filter((r) => r.method === 'POST');
  assert.deepEqual(posts.map((r) => `${r.body.kind}/${r.body.metadata.name}`), [`Job/${name}-ps`, `Secret/${name}-token`, `ConfigMap/${name}-config`, `Service/${name}-ps`, `Job/${name}-workers`]);
  assert.ok(posts.every((r) => r.path.startsWith(`/api/v1/namespaces/${namespace}/`) || r.path.startsWith(`/apis/batch/v1/namespaces/${namespace}/`)));
  const psUid = fake.objects.get(`Job/${namespace}/${name}-ps`).metadata.uid;
  for (const r of posts.slice(1)) assert.deepEqual(r.body.metadata.ownerReferences.map((o) => [o.kind, o.name, o.uid]), [['Job', `${name}-ps`, psUid]]);
  assert.equal(posts[4].body.spec.completions, workers);
}

const psLines = [1, 2, 3].map((epoch) => JSON.stringify({ level: 30, role: 'ps', msg: 'epoch', epoch }));

test('k8s train: the PS Job first, every other object owned by it, the PS log on stdout, its exit code', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tf-k8s-train-'));
  const fake = await startFakeKubeApi({ script: (job) => (job.metadata.name.endsWith('-ps') ? { lines: psLines, exitCode: 0 } : { lines: [], exitCode: 0 }) });
  try {
    const env = { KUBECONFIG: fake.writeKubeconfig(dir) };
    const result = await startCli(['k8s', 'train', '--workers', '3', '--namespace', 'ml', '--poll-ms', '50'], { env }).exited;
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(result.lines.filter(Boolean), psLines, 'the PS log, line by line');
    assertJobObjects(fake, { namespace: 'ml', name: 'tensorfleet', workers: 3 });
    const log = fake.requests.find((r) => r.path.endsWith('/log'));
    assert.equal(log.query.container, 'ps');
    assert.equal(log.query.follow, 'true');
  } finally {
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('train --launcher kubernetes: the same objects as k8s train, the PS log on stdout, the PS exit code as its own', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tf-k8s-train-'));
  const fake = await startFakeKubeApi({ script: (job) => (job.metadata.name.endsWith('-ps') ? { lines: psLines, exitCode: exitCodes.diverged } : { lines: [], exitCode: 0 }) });
  try {
    const env = { KUBECONFIG: fake.writeKubeconfig(dir) };
    const result = await startCli(['train', '--launcher', 'kubernetes', '--workers', '3', '--namespace', 'ml', '--name', 'viatrain', '--poll-ms', '50'], { env }).exited;
    assert.equal(result.code, exitCodes.diverged, result.stderr);
    assert.deepEqual(result.lines.filter(Boolean), psLines, 'the PS log, line by line');
    assertJobObjects(fake, { namespace: 'ml', name: 'viatrain', workers: 3 });
    assert.match(result.stderr, /the PS exited with 3/);
  } finally {
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('k8s train: a failed PS is exit failed; Ctrl-C deletes the PS Job (Foreground); no kubeconfig is exit 2', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tf-k8s-train-'));
  const fake = await startFakeKubeApi({
    script: (job) => (job.metadata.namespace === 'failing' ? { lines: ['{"level":50,"msg":"parameter server failed"}'], exitCode: 1 } : { lines: Array.from({ length: 1000 }, () => psLines[0]), exitCode: 0, lineMs: 50 }),
  });
  try {
    const env = { KUBECONFIG: fake.writeKubeconfig(dir) };
    const failed = await startCli(['k8s', 'train', '--namespace', 'failing', '--poll-ms', '50'], { env }).exited;
    assert.equal(failed.code, exitCodes.failed, failed.stderr);
    assert.match(failed.stderr, /the PS exited with 1/);

    let seen = 0;
    const running = startCli(['k8s', 'train', '--namespace', 'long', '--poll-ms', '50'], { env, onLine: () => (seen += 1) });
    const deadline = Date.now() + 20_000;
    while (seen < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    running.child.kill('SIGINT');
    const stopped = await running.exited;
    assert.equal(stopped.code, exitCodes.interrupted, stopped.stderr);
    const deletion = fake.requests.find((r) => r.method === 'DELETE');
    assert.equal(deletion.path, '/apis/batch/v1/namespaces/long/jobs/tensorfleet-ps');
    assert.equal(deletion.query.propagationPolicy, 'Foreground');
    assert.ok(![...fake.objects.keys()].some((k) => k.includes('/long/')), 'everything the PS Job owned went with it');

    const missing = await startCli(['k8s', 'train'], { env: { KUBECONFIG: join(dir, 'no-such-kubeconfig') } }).exited;
    assert.equal(missing.code, 2, missing.stderr);
    assert.match(missing.stderr, /^tensorfleet: kubeconfig: /m);
  } finally {
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
