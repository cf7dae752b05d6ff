// `tensorfleet train --config` on the user's own data, as a user runs it: an IDX pair, a CIFAR-10-format file, a CSV
// and an image folder, each written here, each trained with the mlp preset sized from the data (input shape and class
// count); and bad data input (a missing file, a wrong hash, an image that does not decode) refused with exit 2 and one
// line naming the config field and the problem.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, readSummary, startCli } from './helpers/cli.js';
import { writeCifar, writeCsv, writeIdx, writeImageFolder } from './helpers/datasets.js';

const root = mkdtempSync(join(tmpdir(), 'tf-e2e-data-'));
test.after(() => rmSync(root, { recursive: true, force: true }));

/** Writes `yaml` (the data part of a config) with a tiny recipe into `dir` and runs train on it. */
async function train(dir, dataYaml) {
  const config = join(dir, 'train.yaml');
  writeFileSync(config, [dataYaml, 'model: { preset: mlp }', 'epochs: 1', 'workers: 1', 'batchSize: 16', 'optimizer: { name: adam, lr: 0.003 }', `out: ${join(dir, 'run')}`].join('\n'));
  return startCli(['train', '--config', config, '--json']).exited;
}

/** The saved model's input shape and number of outputs (stock tfjs model.json). */
function modelShape(summary) {
  const layers = JSON.parse(readFileSync(join(summary.modelPath, 'model.json'), 'utf8')).modelTopology.config.layers;
  const dense = layers.filter((l) => l.class_name === 'Dense');
  return { input: layers[0].config.batch_input_shape.slice(1), classes: dense.at(-1).config.units };
}

const sources = [
  {
    name: 'an IDX pair',
    write: (dir) => {
      const f = writeIdx(dir, { count: 400, side: 8 });
      return `data: { source: { idx: { images: ${f.images}, labels: ${f.labels} } }, augment: {} }`;
    },
    input: [8, 8, 1],
  },
  {
    name: 'a CIFAR-10-format file',
    write: (dir) => `data: { source: { cifar10: [${writeCifar(dir, { count: 300 })}] }, augment: {} }`,
    input: [32, 32, 3],
    classes: 10, // CIFAR-10's labels are its ten classes (our file uses four of them)
  },
  {
    name: 'a CSV with a header and string labels',
    write: (dir) => `data: { source: { csv: { path: ${writeCsv(dir, { count: 400, side: 8 })}, shape: [8, 8, 1], scale: 0.00392156862745098 } }, augment: {} }`,
    input: [8, 8, 1],
  },
  {
    name: 'an image folder of PNG and JPEG files',
    write: (dir) => {
      writeImageFolder(join(dir, 'images'), { perClass: 60 });
      return 'data: { source: { imageFolder: { path: images, size: [8, 8] } }, augment: {} }';
    },
    input: [8, 8, 3],
  },
];

for (const source of sources) {
  test(`train --config learns ${source.name}, with the preset sized from the data`, { timeout: 240_000 }, async () => {
    const dir = mkdtempSync(join(root, 'src-'));
    const result = await train(dir, source.write(dir));
    assert.equal(result.code, 0, describe(result));
    const { summary } = readSummary(result);
    assert.deepEqual(modelShape(summary), { input: source.input, classes: source.classes ?? 4 });
    assert.ok(summary.testAccuracy > 0.6, `test accuracy ${summary.testAccuracy} (4 classes used: chance 0.25)`);
  });
}

/** Runs train on a bad data config: exit 2 and exactly one stderr line, which is returned. */
async function refused(dir, dataYaml) {
  const result = await train(dir, dataYaml);
  assert.equal(result.code, 2, describe(result));
  const lines = result.stderr.trim().split('\n');
  assert.equal(lines.length, 1, result.stderr);
  return lines[0];
}

test('bad data input exits 2 with one line naming the field and the problem', { timeout: 240_000 }, async () => {
  const dir = mkdtempSync(join(root, 'bad-'));
  const f = writeIdx(dir, { count: 100, side: 8 });
  const missing = await refused(dir, `data: { source: { idx: { images: nope.idx3-ubyte, labels: ${f.labels} } } }`);
  assert.equal(missing, `tensorfleet: data.source.idx.images: ${join(dir, 'nope.idx3-ubyte')}: cannot read dataset file (ENOENT)`);

  const actual = createHash('sha256').update(readFileSync(join(dir, f.images))).digest('hex');
  const wrong = 'ab'.repeat(32);
  const hash = await refused(dir, `data: { source: { idx: { images: ${f.images}, labels: ${f.labels} } }, sha256: { ${f.images}: ${wrong} } }`);
  assert.equal(hash, `tensorfleet: data.sha256["${join(dir, f.images)}"]: the file has sha256 ${actual}, not ${wrong}`);
  // the right hash trains
  const right = await train(dir, `data: { source: { idx: { images: ${f.images}, labels: ${f.labels} } }, sha256: { ${f.images}: ${actual} }, augment: {} }`);
  assert.equal(right.code, 0, describe(right));

  writeImageFolder(join(dir, 'images'), { perClass: 3 });
  const broken = join(dir, 'images', 'b-north-east', '1.jpg');
  writeFileSync(broken, readFileSync(broken).subarray(0, 50)); // truncated JPEG
  const image = await refused(dir, 'data: { source: { imageFolder: { path: images, size: [8, 8] } } }');
  assert.match(image, new RegExp(`^tensorfleet: data\\.source\\.imageFolder\\.path: ${broken}: cannot decode this JPEG image \\(.+\\)$`));
});
