// `tensorfleet k8s manifests` through the real binary, on configs the test writes: every object is checked against
// the Kubernetes schema (kubernetes-models' validators of the official OpenAPI schema) and compared with the golden
// files in fixtures/k8s/ (the generated token masked). Regenerate them after a deliberate change with:
//   TENSORFLEET_UPDATE_GOLDEN=1 node --test test/e2e/k8s-manifests.test.js
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { validateManifests } from '@tensorfleet/kubernetes';
import { runCli, startCli } from './helpers/cli.js';

const golden = (name) => new URL(`./fixtures/k8s/${name}`, import.meta.url);
const update = process.env.TENSORFLEET_UPDATE_GOLDEN === '1';

/** The YAML with the Secret's random token replaced, and the token itself. */
function maskToken(yaml) {
  const match = yaml.match(/^ {2}token: (\S+)$/m);
  assert.ok(match, 'the Secret holds a token');
  return { masked: yaml.replace(match[0], '  token: <generated>'), token: match[1] };
}

function checkAgainstGolden(name, yaml) {
  const { masked, token } = maskToken(yaml);
  assert.match(token, /^[A-Za-z0-9_-]{43,}$/, 'a 256-bit token');
  const docs = parseAllDocuments(yaml).map((d) => d.toJS());
  validateManifests(docs); // the schema check once more, on what was written
  // The token is in the Secret only: pods read it by secretKeyRef.
  for (const doc of docs.filter((d) => d.kind !== 'Secret')) assert.ok(!JSON.stringify(doc).includes(token), `${doc.kind}/${doc.metadata.name} holds no token`);
  for (const job of docs.filter((d) => d.kind === 'Job')) {
    const env = job.spec.template.spec.containers[0].env;
    assert.deepEqual(env.find((e) => e.name === 'TENSORFLEET_TOKEN').valueFrom.secretKeyRef.key, 'token');
  }
  if (update) writeFileSync(golden(name), masked);
  assert.equal(masked, readFileSync(golden(name), 'utf8'), `differs from fixtures/k8s/${name} (regenerate: TENSORFLEET_UPDATE_GOLDEN=1)`);
  return docs;
}

test('k8s manifests: the default job and a GPU job match their golden files and the Kubernetes schema', { timeout: 90_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tf-k8s-manifests-'));
  try {
    const plain = await runCli(['k8s', 'manifests']);
    const docs = checkAgainstGolden('default.yaml', plain.lines.join('\n') + '\n');
    assert.deepEqual(docs.map((d) => `${d.kind}/${d.metadata.name}`), ['Secret/tensorfleet-token', 'ConfigMap/tensorfleet-config', 'Service/tensorfleet-ps', 'Job/tensorfleet-ps', 'Job/tensorfleet-workers']);

    const config = join(dir, 'job.yaml');
    writeFileSync(config, 'workers: 4\nepochs: 3\nmodel: {preset: mlp}\n');
    const out = join(dir, 'k8s');
    const gpu = await runCli(['k8s', 'manifests', '--config', config, '--workers', '3', '--gpus-per-worker', '2', '--image', 'registry.example/tensorfleet:0.1.0-gpu',
      '--namespace', 'ml', '--name', 'mlp-run', '--cpu', '4', '--memory', '8Gi', '--run-claim', 'runs', '--out', out]);
    const path = join(out, 'mlp-run.yaml');
    assert.equal(gpu.lines.at(-1), path, 'prints the file it wrote');
    assert.equal(statSync(path).mode & 0o777, 0o600, 'the file holding the token is private');
    const gpuDocs = checkAgainstGolden('gpu.yaml', readFileSync(path, 'utf8'));
    const workers = gpuDocs.find((d) => d.metadata.name === 'mlp-run-workers');
    assert.equal(workers.spec.completionMode, 'Indexed');
    assert.equal(workers.spec.completions, 3, '--workers overrides the config');
    assert.equal(workers.spec.template.spec.containers[0].resources.limits['nvidia.com/gpu'], 2);
    assert.equal(gpuDocs.find((d) => d.kind === 'ConfigMap').data['job.yaml'], readFileSync(config, 'utf8'), 'the config as written');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('k8s manifests: bad options and configs are one line naming the flag or field, exit 2', { timeout: 90_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tf-k8s-manifests-'));
  try {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'epochz: 3\n');
    const cases = [
      [['--gpus-per-worker', 'two'], /--gpus-per-worker expects a number, got "two"/],
      [['--gpus-per-worker', '-1'], /--gpus-per-worker "-1": .*>=0/],
      [['--namespace', 'Bad_NS'], /--namespace "Bad_NS": expected a DNS-1123 label/],
      [['--memory', 'lots'], /--memory "lots": expected a Kubernetes quantity/],
      [['--name', 'x'.repeat(41)], /--name "x+": .*<=40 characters/],
      [['--image-pull-policy', 'Sometimes'], /argument 'Sometimes' is invalid/],
      [['--config', bad], /epochz/],
      [['--workers', '0'], /workers/],
    ];
    for (const [args, message] of cases) {
      const result = await startCli(['k8s', 'manifests', ...args]).exited;
      assert.equal(result.code, 2, `${args.join(' ')}: exit 2\n${result.stderr}`);
      assert.match(result.stderr, message, args.join(' '));
      assert.equal(result.stderr.trim().split('\n').filter((l) => !l.startsWith('(') && l.trim()).length <= 2, true, `short: ${result.stderr}`);
      assert.equal(result.lines.filter(Boolean).length, 0, `${args.join(' ')}: nothing written`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('validateManifests refuses what the API would refuse', () => {
  const job = (spec) => ({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'x' }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'i' }] } }, ...spec } });
  validateManifests([job({})]);
  assert.throws(() => validateManifests([job({ completions: 'two' })]), /^Error: Job\/x: .*completions must be integer/);
  assert.throws(() => validateManifests([{ ...job({}), metadata: { name: 'Not_A_Label' } }]), /DNS-1123/);
  const pod = job({});
  pod.spec.template.spec.containers[0].resources = { limits: { 'nvidia.com/gpu': 'lots' } };
  assert.throws(() => validateManifests([pod]), /quantity/);
});
