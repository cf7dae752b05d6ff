import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jobFolder } from './job-folder.test-util.js';
import { stringify } from 'yaml';
import { ReduceLROnPlateau, schedulerRegistry, SGD, stepAtEpochEnd } from '@tensorfleet/core';

// Trains through the real binary on files this test writes (jobFolder) and configs that name them by relative path,
// as a user's job folder would.
const bin = fileURLToPath(new URL('../bin.js', import.meta.url));
const run = (args: string[], cwd?: string) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 240_000, ...(cwd ? { cwd } : {}) });

const tiny = { data: { source: { idx: { images: 'images.idx', labels: 'labels.idx' } }, augment: {} }, workers: 1, batchSize: 16, l2: 0 };

function train(dir: string, config: Record<string, unknown>, name = 'job.yaml') {
  writeFileSync(join(dir, name), stringify(config));
  // Run from another folder: relative paths must resolve against the config file's folder, not the cwd.
  const out = join(dir, `out-${name}`);
  const r = run(['train', '--config', join(dir, name), '--out', out, '--json'], tmpdir());
  return { ...r, out };
}

test('a JSON model spec file trains on an IDX pair named by relative paths', () => {
  const dir = jobFolder();
  writeFileSync(join(dir, 'model.json'), JSON.stringify({
    inputShape: [8, 8, 1], numClasses: 3,
    layers: [{ type: 'flatten' }, { type: 'dense', units: 7, activation: 'relu' }, { type: 'dense', units: 3 }, { type: 'softmax' }],
  }));
  const r = train(dir, { ...tiny, model: { spec: 'model.json' }, epochs: 4, optimizer: { name: 'adam', lr: 0.01 }, scheduler: { name: 'none' } });
  assert.equal(r.status, 0, r.stderr.slice(-3000));
  const summary = JSON.parse(readFileSync(join(r.out, 'summary.json'), 'utf8'));
  assert.ok(summary.testAccuracy > 0.9, `test accuracy ${summary.testAccuracy}`);
  const topology = JSON.parse(readFileSync(join(summary.modelPath, 'model.json'), 'utf8'));
  const shapes = topology.weightsManifest[0].weights.map((w: { shape: number[] }) => w.shape);
  assert.deepEqual(shapes, [[64, 7], [7], [7, 3], [3]]);
});

test('every scheduler runs through tensorfleet train and moves the lr as torch would', () => {
  const dir = jobFolder();
  const options: Record<string, Record<string, unknown>> = {
    reduceLROnPlateau: { patience: 0, factor: 0.5, threshold: 10 }, // every epoch counts as bad: halves each epoch after the first
    step: { stepSize: 2, gamma: 0.5 },
    multiStep: { milestones: [1, 2], gamma: 0.1 },
    exponential: { gamma: 0.7 },
    cosine: { tMax: 3, etaMin: 0.001 },
    linear: { startFactor: 0.25, totalIters: 2 },
  };
  assert.deepEqual(Object.keys(options).sort(), Object.keys(schedulerRegistry).sort(), 'a scheduler without a case here');
  for (const [name, o] of Object.entries(options)) {
    const r = train(dir, { ...tiny, model: { preset: 'mlp', bn: false }, epochs: 3, optimizer: { name: 'sgd', lr: 0.1 }, scheduler: { name, ...o } }, `${name}.yaml`);
    assert.equal(r.status, 0, `${name}: ${r.stderr.slice(-3000)}`);
    const history = JSON.parse(readFileSync(join(r.out, 'summary.json'), 'utf8')).history as { lr: number; valLoss: number }[];
    // The reference: core's scheduler (torch-checked by fixtures) on a one-parameter optimizer, fed the run's val losses.
    const reference = new SGD([new Float32Array(1)], { lr: 0.1 });
    const entry = schedulerRegistry[name as keyof typeof schedulerRegistry];
    const scheduler = entry.create(reference, entry.options.parse(o));
    const expected = history.map((epoch) => {
      const lr = reference.paramGroups[0]!.lr;
      stepAtEpochEnd(entry, scheduler, epoch.valLoss);
      return lr;
    });
    assert.equal(history.length, 3, name);
    history.forEach((epoch, i) => assert.ok(Math.abs(epoch.lr - expected[i]!) <= 1e-9 * expected[i]!, `${name} epoch ${i}: lr ${epoch.lr}, expected ${expected[i]}`));
    if (name === 'reduceLROnPlateau') assert.ok(scheduler instanceof ReduceLROnPlateau && history[2]!.lr < history[0]!.lr, 'plateau reduced the lr');
  }
});

test('bad config fields exit 2 with one line naming the field and the problem', () => {
  const dir = jobFolder();
  writeFileSync(join(dir, 'five-classes.json'), JSON.stringify({
    inputShape: [64], numClasses: 5, layers: [{ type: 'dense', units: 5 }, { type: 'softmax' }],
  }));
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ ...tiny, scheduler: { name: 'cosine' } }, /scheduler\.tMax: /],
    [{ ...tiny, scheduler: { name: 'step', stepSize: 2, patience: 3 } }, /scheduler: Unrecognized key: "patience"/],
    [{ ...tiny, optimizer: { name: 'sgd', nesterov: true, momentum: 0 } }, /optimizer: SGD: .*nesterov: true, which requires momentum > 0/],
    [{ ...tiny, data: { source: { idx: { images: 'missing.idx', labels: 'labels.idx' } } } }, /missing\.idx/],
    [{ ...tiny, model: { spec: 'five-classes.json' } }, /model\.spec: the model outputs 5 classes, the data has 3; set init\.newHead: true to replace its head/],
    [{ ...tiny, model: { spec: 'nope.json' } }, /model\.spec: cannot read .*nope\.json/],
  ];
  for (const [config, message] of cases) {
    const r = train(dir, config, 'bad.yaml');
    assert.equal(r.status, 2, `${message}: exit ${r.status}: ${r.stderr.slice(-2000)}`);
    const lines = r.stderr.trim().split('\n');
    assert.ok(lines.some((l) => message.test(l)), `${message} in ${r.stderr}`);
  }
});

test('--resume applies a changed epoch count and lr with a log line, and refuses a changed model or data by name', () => {
  const dir = jobFolder();
  const config = { ...tiny, model: { preset: 'mlp', bn: false }, epochs: 2, optimizer: { name: 'sgd', lr: 0.1 }, scheduler: { name: 'none' } };
  const first = train(dir, config);
  assert.equal(first.status, 0, first.stderr.slice(-3000));
  const resume = (...flags: string[]) =>
    run(['train', '--config', join(dir, 'job.yaml'), '--out', first.out, '--json', '--resume', ...flags], tmpdir());

  const changedModel = resume('--preset', 'mnist-small-cnn');
  assert.equal(changedModel.status, 2, changedModel.stderr.slice(-2000));
  assert.match(changedModel.stderr, /--resume: .*cannot change on resume: model\.preset "mlp" → "mnist-small-cnn"/);

  const more = resume('--epochs', '3', '--lr', '0.05');
  assert.equal(more.status, 0, more.stderr.slice(-3000));
  const logs = more.stdout.split('\n').filter((l) => l.includes('"msg":"resume: '));
  assert.ok(logs.some((l) => l.includes('resume: epochs 2 → 3')), logs.join('\n'));
  assert.ok(logs.some((l) => l.includes('resume: optimizer.lr 0.1 → 0.05')), logs.join('\n'));
  const history = JSON.parse(readFileSync(join(first.out, 'summary.json'), 'utf8')).history as { lr: number }[];
  assert.deepEqual(history.map((h) => h.lr), [0.1, 0.1, 0.05]);
});
