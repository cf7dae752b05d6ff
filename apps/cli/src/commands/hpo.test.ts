import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { studyStatus } from '@tensorfleet/coordinator';
import { hpoCommand } from './hpo.js';
import { jobFolder } from './job-folder.test-util.js';
import { logsCommand } from './logs.js';

const bin = fileURLToPath(new URL('../bin.js', import.meta.url));

/** Runs a command with stdout captured. */
async function capture(run: () => Promise<unknown>): Promise<string> {
  const write = process.stdout.write.bind(process.stdout);
  let out = '';
  process.stdout.write = ((chunk: string | Uint8Array) => ((out += String(chunk)), true)) as typeof process.stdout.write;
  try {
    await run();
  } finally {
    process.stdout.write = write;
  }
  return out;
}

test('hpo run drives two tiny real `tensorfleet train` trials (mlp, 1 epoch); status, report and logs read them back', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tf-hpo-real-'));
  const storage = join(dir, 'studies.sqlite');
  const spec = join(dir, 'spec.yaml');
  writeFileSync(spec, [
    'name: real-mlp',
    'searcher: grid',
    'objective: { metric: valAccuracy }',
    'budget: { maxConcurrent: 2, maxEpochs: 1 }',
    'base: { model: { preset: mlp, bn: false }, batchSize: 64, scheduler: { name: none } }',
    'space: { optimizer.lr: [0.01, 0.03] }',
  ].join('\n'));
  const log = await capture(() => hpoCommand().parseAsync(['run', spec, '--storage', storage, '--json'], { from: 'user' }));
  assert.ok(log.includes('"msg":"study finished"'), log.slice(-2000));
  const status = studyStatus(storage, 'real-mlp');
  assert.equal(status.trials.length, 2);
  for (const t of status.trials) {
    assert.equal(t.state, 'completed', JSON.stringify(t));
    assert.equal(t.epochs, 1);
    assert.ok(t.objective! > 0.5 && t.objective! <= 1, `trial ${t.number} val accuracy ${t.objective}`);
    assert.equal(typeof (t.summary as { testAccuracy?: unknown }).testAccuracy, 'number');
  }
  const report = join(dir, 'report');
  const files = (await capture(() => hpoCommand().parseAsync(['report', 'real-mlp', '--storage', storage, '--out', report], { from: 'user' }))).trim().split('\n');
  assert.ok(files.every((f) => existsSync(f)) && files.length === 4);
  assert.match(readFileSync(join(report, 'best-config.yaml'), 'utf8'), /preset: mlp/);
  const lines = (await capture(() => logsCommand().parseAsync(['real-mlp', '--storage', storage, '--trial', '1', '--json'], { from: 'user' }))).trim().split('\n');
  const epochs = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'epoch');
  assert.equal(epochs.length, 1);
  assert.equal(epochs[0]!.trial, 1);
  // A trial or a target that does not exist is a usage error that names what does exist, not an empty listing.
  const missing = spawnSync(process.execPath, [bin, 'logs', 'real-mlp', '--storage', storage, '--trial', '9'], { encoding: 'utf8' });
  assert.equal(missing.status, 2, missing.stderr);
  assert.match(missing.stderr, /no trial 9 in study real-mlp \(trials: 0, 1\)/);
  const nowhere = spawnSync(process.execPath, [bin, 'logs', join(dir, 'no-such-run'), '--storage', storage], { encoding: 'utf8' });
  assert.equal(nowhere.status, 2);
  assert.match(nowhere.stderr, /neither a log file, a folder, nor a study/);
});

test('hpo status and logs from a folder without a storage exit 2 and create nothing', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'tf-hpo-nowhere-'));
  for (const args of [['hpo', 'status', 'some-study'], ['hpo', 'report', 'some-study'], ['logs', 'some-study']]) {
    const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8' });
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /no study storage at runs\/hpo\/studies\.sqlite/);
  }
  assert.deepEqual(readdirSync(cwd), [], 'nothing written (no runs/hpo/studies.sqlite)');
});

test('a study whose base uses an IDX source and a JSON model spec (paths relative to the spec) runs its trials', async () => {
  const dir = jobFolder();
  writeFileSync(join(dir, 'model.json'), JSON.stringify({
    inputShape: [8, 8, 1], numClasses: 3,
    layers: [{ type: 'flatten' }, { type: 'dense', units: 8, activation: 'relu' }, { type: 'dense', units: 3 }, { type: 'softmax' }],
  }));
  const storage = join(dir, 'studies.sqlite');
  const spec = join(dir, 'spec.yaml');
  writeFileSync(spec, [
    'name: idx-spec',
    'searcher: grid',
    'objective: { metric: valAccuracy }',
    'budget: { maxConcurrent: 1, maxEpochs: 2 }',
    'base:',
    '  data: { source: { idx: { images: images.idx, labels: labels.idx } }, augment: {} }',
    '  model: { spec: model.json }',
    '  batchSize: 16',
    '  optimizer: { name: adam, lr: 0.01 }',
    'space: { consistency: [sync, async], scheduler.name: [none] }',
  ].join('\n'));
  const log = await capture(() => hpoCommand().parseAsync(['run', spec, '--storage', storage, '--json'], { from: 'user' }));
  assert.ok(log.includes('"msg":"study finished"'), log.slice(-2000));
  const status = studyStatus(storage, 'idx-spec');
  assert.equal(status.trials.length, 2);
  for (const t of status.trials) {
    assert.equal(t.state, 'completed', JSON.stringify(t));
    assert.ok(t.objective! > 0.6, `trial ${t.number} val accuracy ${t.objective}`);
  }
});
