// `tensorfleet train` with the README defaults (mnist-small-cnn, 2 workers, the lecture's recipe) for one epoch:
// summary.json keeps the contract, the numbers are sane, and the saved model works in stock tfjs.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadMnistDigits, pixelValues, splitDataset } from '@tensorfleet/core';
import { readSummary, runCli } from './helpers/cli.js';

const stockEval = fileURLToPath(new URL('./helpers/stock-tfjs-eval.js', import.meta.url));
const isNumber = (v) => typeof v === 'number' && Number.isFinite(v);

describe('tensorfleet train with the defaults, one epoch', { timeout: 90_000 }, () => {
  let root;
  let run;
  let summary;

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'tf-e2e-default-'));
    run = await runCli(['train', '--epochs', '1', '--out', join(root, 'run'), '--json']);
    ({ summary } = readSummary(run));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('writes every field of the summary contract with sane values', () => {
    for (const key of ['testLoss', 'testAccuracy', 'testTop5', 'wallSeconds', 'samplesPerSec']) {
      assert.ok(isNumber(summary[key]), `summary.${key} should be a finite number, got ${summary[key]}`);
    }
    assert.equal(summary.epochs, 1);
    assert.ok(['native', 'wasm'].includes(summary.backend), `backend ${summary.backend}: native when its addon built, else wasm`);
    assert.ok(summary.testAccuracy > 0.85 && summary.testAccuracy <= 1, `testAccuracy ${summary.testAccuracy}`);
    assert.ok(summary.testTop5 >= summary.testAccuracy && summary.testTop5 <= 1, `testTop5 ${summary.testTop5}`);
    assert.ok(summary.testLoss > 0 && summary.testLoss < 2.3, `testLoss ${summary.testLoss} (chance is ln 10 = 2.30)`);
    assert.ok(summary.samplesPerSec > 0, `samplesPerSec ${summary.samplesPerSec}`);
    assert.ok(summary.wallSeconds > 0 && summary.wallSeconds < 120, `wallSeconds ${summary.wallSeconds}`);

    assert.equal(typeof summary.timeToAccuracy, 'object');
    for (const [target, seconds] of Object.entries(summary.timeToAccuracy)) {
      assert.ok(isNumber(Number(target)) && isNumber(seconds) && seconds > 0 && seconds <= summary.wallSeconds, `timeToAccuracy[${target}] = ${seconds}`);
    }
    assert.equal(summary.history.length, 1);
    const [epoch] = summary.history;
    assert.equal(epoch.epoch, 0);
    for (const key of ['loss', 'valLoss', 'valAccuracy', 'valTop5', 'lr']) assert.ok(isNumber(epoch[key]), `history[0].${key} = ${epoch[key]}`);
    assert.equal(epoch.lr, 0.01, 'the README default learning rate');
    // The first reached targets are exactly those at or below the epoch's validation accuracy (defaults 0.9, 0.95, 0.97).
    assert.deepEqual(
      Object.keys(summary.timeToAccuracy).sort(),
      ['0.9', '0.95', '0.97'].filter((t) => epoch.valAccuracy >= Number(t)),
    );

    assert.equal(typeof summary.modelPath, 'string');
    for (const file of ['model.json', 'weights.bin', 'normalization.json']) {
      assert.ok(existsSync(join(summary.modelPath, file)), `${file} in ${summary.modelPath}`);
    }
  });

  it('logs one flat "epoch" line per epoch from the parameter server', () => {
    const lines = run.logs.filter((l) => l.msg === 'epoch');
    assert.equal(lines.length, 1);
    const [line] = lines;
    assert.equal(line.role, 'ps');
    assert.equal(typeof line.run, 'string');
    for (const key of ['epoch', 'step', 'loss', 'valLoss', 'valAccuracy', 'valTop5', 'lr', 'samplesPerSec', 'computeMs', 'commMs']) {
      assert.ok(isNumber(line[key]), `epoch line .${key} = ${line[key]}`);
    }
    assert.equal(line.valAccuracy, summary.history[0].valAccuracy);
  });

  it("reports the training accuracy of each epoch (contract: history[].accuracy and the epoch line's accuracy)", () => {
    const accuracy = summary.history[0].accuracy;
    assert.ok(isNumber(accuracy) && accuracy > 0.5 && accuracy <= 1, `history[0].accuracy = ${accuracy}`);
    assert.equal(run.logs.find((l) => l.msg === 'epoch').accuracy, accuracy, 'epoch line .accuracy');
  });

  it('saves a model that stock tfjs loads and that scores the reported test accuracy within 1%', () => {
    // The CLI's test split: the 10k digits split 80/10/10, stratified, seeded by the run's seed (default 1).
    const [, , testSplit] = splitDataset(loadMnistDigits(), { ratios: [0.8, 0.1, 0.1], seed: 1, stratify: true });
    const images = join(root, 'test-images.f32');
    const labels = join(root, 'test-labels.json');
    const pixels = pixelValues(testSplit); // float32 values (the dataset holds bytes)
    writeFileSync(images, new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.byteLength));
    writeFileSync(labels, JSON.stringify(Array.from(testSplit.labels)));
    // A separate process that imports tfjs alone: nothing of tensorfleet is registered there.
    const result = JSON.parse(execFileSync(process.execPath, [stockEval, summary.modelPath, images, labels], { encoding: 'utf8' }));
    assert.equal(result.count, 1000);
    assert.ok(
      Math.abs(result.accuracy - summary.testAccuracy) <= 0.01,
      `stock tfjs scores ${result.accuracy} on the test split; the run reported ${summary.testAccuracy}`,
    );
  });
});
