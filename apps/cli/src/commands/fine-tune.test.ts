// Through the real binary: a stock tfjs model.json trains, a fine-tune starts from another run's checkpoint with
// frozen layers and a new head, and bad models / class counts exit 2 with one line naming the field.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { readPretrainedWeights } from '@tensorfleet/core';
import { idxBytes, registerFileSaveRouter } from '@tensorfleet/core/testing';

await tf.setBackend('cpu');
registerFileSaveRouter();
const bin = fileURLToPath(new URL('../bin.js', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'tf-finetune-'));
test.after(() => rmSync(root, { recursive: true, force: true }));

/** Runs `tensorfleet train --config FILE` on a config written next to the data. */
function train(name: string, config: Record<string, unknown>) {
  const file = join(root, `${name}.json`);
  writeFileSync(file, JSON.stringify({ workers: 1, seed: 3, out: join(root, `${name}-out`), ...config }));
  const r = spawnSync(process.execPath, [bin, 'train', '--config', file, '--json'], { encoding: 'utf8', timeout: 600_000 });
  return { ...r, out: join(root, `${name}-out`), log: `${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}` };
}

/** An IDX pair of 14×14 digits-like images: class c lights the c-th cell of a grid, plus noise. */
function writeIdx(dir: string, classes: number, count: number) {
  mkdirSync(join(root, dir), { recursive: true });
  const h = 14;
  const pixels = new Uint8Array(count * h * h);
  const labels = new Uint8Array(count);
  let seed = 7 + classes;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (let n = 0; n < count; n++) {
    const c = n % classes;
    labels[n] = c;
    const [cy, cx] = [Math.floor(c / 4) * 3 + 1, (c % 4) * 3 + 1];
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < h; x++) {
        const lit = y >= cy && y < cy + 3 && x >= cx && x < cx + 3;
        pixels[n * h * h + y * h + x] = Math.min(255, Math.floor((lit ? 180 : 0) + rand() * 60));
      }
    }
  }
  writeFileSync(join(root, dir, 'images.idx'), idxBytes([count, h, h], pixels));
  writeFileSync(join(root, dir, 'labels.idx'), idxBytes([count], labels));
  return { idx: { images: `./${dir}/images.idx`, labels: `./${dir}/labels.idx` } };
}

const ten = writeIdx('ten', 10, 600);
const three = writeIdx('three', 3, 300);
const noAugment = { augment: {} };

/** The one line of stderr a refused config prints (exit 2). */
function refusal(r: ReturnType<typeof train>): string {
  assert.equal(r.status, 2, r.log);
  const lines = r.stderr.trim().split('\n').filter((l) => l.trim());
  assert.equal(lines.length, 1, `one line: ${r.stderr}`);
  return lines[0]!;
}

test('a model.json written by stock tfjs (model.save file://) trains through tensorfleet train, under its own layer names', async () => {
  const stock = tf.sequential({ layers: [
    tf.layers.conv2d({ inputShape: [14, 14, 1], filters: 6, kernelSize: 3, activation: 'relu', name: 'features' }),
    tf.layers.batchNormalization({ name: 'features_bn' }),
    tf.layers.maxPooling2d({ poolSize: 2 }),
    tf.layers.flatten(),
    tf.layers.dense({ units: 10, activation: 'softmax', name: 'classes' }),
  ] });
  await stock.save(`file://${join(root, 'stock')}`);
  stock.dispose();
  const r = train('tfjs', { model: { tfjs: './stock/model.json' }, data: { source: ten, ...noAugment }, epochs: 3, batchSize: 16, optimizer: { name: 'sgd', lr: 0.05 } });
  assert.equal(r.status, 0, r.log);
  const summary = JSON.parse(readFileSync(join(r.out, 'summary.json'), 'utf8'));
  const last = (summary.history as { valAccuracy: number }[]).at(-1)!;
  assert.ok(last.valAccuracy > 0.5, `val accuracy ${last.valAccuracy}`);
  const names = [...readPretrainedWeights(r.out).keys()];
  assert.deepEqual(names.sort(), ['classes/bias', 'classes/kernel', 'features/bias', 'features/kernel', 'features_bn/beta', 'features_bn/gamma', 'features_bn/moving_mean', 'features_bn/moving_variance']);
});

test('fine-tune: another run\'s checkpoint, frozen all-but-head, a new 3-class head; frozen weights end bitwise unchanged', () => {
  const base = train('base', { model: { preset: 'mlp', bn: true }, data: { source: ten, ...noAugment }, epochs: 1, batchSize: 16 });
  assert.equal(base.status, 0, base.log);
  const pretrained = readPretrainedWeights(base.out);

  const tuned = train('tuned', {
    model: { preset: 'mlp', bn: true }, data: { source: three, ...noAugment }, epochs: 2, batchSize: 16,
    init: { from: './base-out', freeze: 'all-but-head', newHead: true }, optimizer: { name: 'sgd', lr: 0.05, weightDecay: 1e-3 },
    scheduler: { name: 'cosine', tMax: 4, warmup: { epochs: 1, startFactor: 0.5 } },
  });
  assert.equal(tuned.status, 0, tuned.log);
  const after = readPretrainedWeights(tuned.out);
  const summary = JSON.parse(readFileSync(join(tuned.out, 'summary.json'), 'utf8'));
  assert.equal(summary.history.length, 2, 'epochs, step and schedule start fresh (weights only)');
  // Its own schedule from the start: one warmup epoch at half the lr, then cosine from the full lr (torch SequentialLR).
  assert.deepEqual(summary.history.map((h: { lr: number }) => h.lr), [0.025, 0.05]);
  const head = [...after.keys()].filter((n) => n.endsWith('/kernel')).at(-1)!;
  assert.equal(after.get(head)!.shape.at(-1), 3, 'the new head has 3 classes');
  assert.equal(pretrained.get(head)!.shape.at(-1), 10);
  const headLayer = head.split('/')[0]!;
  for (const [name, w] of after) {
    if (name.startsWith(`${headLayer}/`)) continue;
    assert.deepEqual(w.values, pretrained.get(name)!.values, `${name} is frozen: bitwise the base run's`);
  }
  // Without newHead the class count mismatch is refused before anything starts.
  const refused = train('tuned-no-head', { model: { preset: 'mlp', bn: true }, data: { source: three, ...noAugment }, init: { from: './base-out' } });
  assert.match(refusal(refused), /init\.from: the pretrained head "dense_\d+" has 10 classes, the model 3; set newHead: true to replace it/);
});

test('bad tfjs models exit 2 with one line naming model.tfjs and the problem', async () => {
  const lstm = tf.sequential({ layers: [tf.layers.lstm({ inputShape: [14, 14], units: 4, name: 'lstm_1' }), tf.layers.dense({ units: 10, activation: 'softmax' })] });
  await lstm.save(`file://${join(root, 'lstm')}`);
  lstm.dispose();
  assert.match(refusal(train('lstm', { model: { tfjs: './lstm/model.json' }, data: { source: ten } })),
    /model\.tfjs: .*lstm\/model\.json: LSTM layer "lstm_1" is not supported \(supported: Dense, Conv2D, /);
  assert.match(refusal(train('tfjs-three', { model: { tfjs: './stock/model.json' }, data: { source: three } })),
    /model\.tfjs: the model outputs 10 classes, the data has 3; set init\.newHead: true to replace its head/);
  assert.match(refusal(train('tfjs-missing', { model: { tfjs: './nowhere/model.json' }, data: { source: ten } })),
    /model\.tfjs: .*nowhere\/model\.json: no such file/);
});
