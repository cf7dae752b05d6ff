import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeImage, resizeBilinear } from './image-decode.js';
import { loadImageFolder } from './image-folder.js';
import { jpegBytes, pngBytes, tempDir, writeImageFolder } from './fixture-files.js';
import { pixelValues } from './pixels.js';
import { loadDatasetSpec } from './spec.js';

test('loadImageFolder: sorted class folders are labels, files in sorted order (nested too), other files skipped', () => {
  const root = tempDir();
  writeImageFolder(root, { classes: ['zebra', 'apple', 'mango'], perClass: 3, size: 6 });
  mkdirSync(join(root, 'apple', 'more'));
  writeFileSync(join(root, 'apple', 'more', 'x.PNG'), pngBytes(2, 2, 1, [0, 0, 0, 0]));
  writeFileSync(join(root, 'apple', 'notes.txt'), 'not an image');
  writeFileSync(join(root, 'README.md'), 'top-level non-images are fine');
  const ds = loadImageFolder({ path: root, size: [4, 5] });
  assert.deepEqual(ds.classNames, ['apple', 'mango', 'zebra']);
  assert.deepEqual([ds.count, ds.height, ds.width, ds.channels, ds.numClasses], [10, 4, 5, 3, 3]);
  assert.deepEqual(Array.from(ds.labels), [0, 0, 0, 0, 1, 1, 1, 2, 2, 2]);
  assert.ok(ds.images instanceof Uint8Array && ds.images.length === 10 * 4 * 5 * 3, 'one byte per value');
  // apple/000.png, 001.jpg, 002.png, then apple/more/x.PNG (all black): the 4th sample
  assert.ok(ds.images.subarray(3 * 60, 4 * 60).every((v) => v === 0));
  const values = pixelValues(ds);
  assert.ok(values.every((v) => v >= 0 && v <= 1));
  // written first (brightness 40), zebra is the darkest folder, apple (125) and mango (210) brighter: labels follow names
  const mean = (k: number) => values.subarray(k * 60, (k + 1) * 60).reduce((a, b) => a + b, 0) / 60;
  assert.ok(mean(0) > mean(8) + 0.25 && mean(4) > mean(0) + 0.25, `apple ${mean(0)}, mango ${mean(4)}, zebra ${mean(8)}`);
  assert.equal(ds.name, root.split('/').pop());
});

test('same-size PNGs keep their exact bytes; gray is PIL luminance; alpha is dropped', () => {
  const root = tempDir();
  const rgba = [10, 20, 30, 0, 200, 100, 50, 255, 255, 255, 255, 128, 0, 0, 0, 255];
  for (const cls of ['a', 'b']) {
    mkdirSync(join(root, cls));
    writeFileSync(join(root, cls, 'i.png'), pngBytes(2, 2, 4, rgba));
  }
  const rgb = loadImageFolder({ path: root, size: [2, 2] });
  assert.deepEqual(Array.from(rgb.images.subarray(0, 12)), [10, 20, 30, 200, 100, 50, 255, 255, 255, 0, 0, 0]);
  const gray = loadImageFolder({ path: root, size: [2, 2], channels: 1 });
  const L = (r: number, g: number, b: number) => (19595 * r + 38470 * g + 7471 * b + 0x8000) >>> 16;
  assert.deepEqual(Array.from(gray.images.subarray(0, 4)), [L(10, 20, 30), L(200, 100, 50), 255, 0]);
  assert.equal(gray.channels, 1);
});

test('resizeBilinear uses half-pixel centres (torch align_corners=False, tf.image.resize): 2×2 to 4×4', () => {
  const img = { width: 2, height: 2, channels: 1 as const, data: Uint8Array.from([0, 100, 200, 40]) };
  const out = new Uint8Array(16);
  resizeBilinear(img, 4, 4, out, 0);
  // per axis the source positions are -0.25 (clamped to 0), 0.25, 0.75, 1.25 (clamped to 1)
  const row = (a: number, b: number) => [a, a + 0.25 * (b - a), a + 0.75 * (b - a), b];
  const top = row(0, 100), bottom = row(200, 40);
  const expected = [0, 0.25, 0.75, 1].flatMap((wy) => top.map((t, x) => Math.round(t + wy * (bottom[x]! - t))));
  assert.deepEqual(Array.from(out), expected);
  const down = new Uint8Array(1);
  resizeBilinear(img, 1, 1, down, 0);
  assert.equal(down[0], Math.round((0 + 100 + 200 + 40) / 4), '2×2 to 1×1 samples the centre');
});

test('a JPEG decodes to its colours (lossy, within a few levels)', () => {
  const rgb = new Uint8Array(8 * 8 * 3);
  for (let p = 0; p < 64; p++) rgb.set([200, 80, 30], 3 * p);
  const img = decodeImage(jpegBytes(8, 8, rgb), 'x.jpg', 3);
  assert.deepEqual([img.width, img.height, img.channels], [8, 8, 3]);
  for (let p = 0; p < 64; p++) {
    for (let k = 0; k < 3; k++) assert.ok(Math.abs(img.data[3 * p + k]! - rgb[3 * p + k]!) <= 4, `pixel ${p} channel ${k}: ${img.data[3 * p + k]}`);
  }
});

/** Asserts that fn throws an error whose message starts with `prefix` (the file or field it names) and matches `rest`. */
function throwsNaming(fn: () => unknown, prefix: string, rest: RegExp) {
  assert.throws(fn, (e: Error) => {
    assert.ok(e.message.startsWith(prefix), `"${e.message}" should start with "${prefix}"`);
    assert.match(e.message, rest);
    return true;
  });
}

test('bad folders and files are errors naming the file or folder and the problem', () => {
  const root = writeImageFolder(tempDir(), { classes: ['a', 'b'], perClass: 2, size: 4 });
  const size: [number, number] = [4, 4];
  const broken = join(root, 'b', '001.jpg');
  writeFileSync(broken, readFileSync(broken).subarray(0, 40)); // truncated JPEG
  throwsNaming(() => loadImageFolder({ path: root, size }), `${broken}: `, /cannot decode this JPEG image \(.+\)$/);
  writeFileSync(broken, 'hello');
  throwsNaming(() => loadImageFolder({ path: root, size }), `${broken}: `, /not a PNG or JPEG image \(it starts with bytes 68 65 6c 6c\)$/);
  const png = join(root, 'b', '000.png');
  writeFileSync(broken, readFileSync(png).subarray(0, 60)); // a truncated PNG named .jpg: told by its bytes
  throwsNaming(() => loadImageFolder({ path: root, size }), `${broken}: `, /cannot decode this PNG image/);
  writeFileSync(broken, readFileSync(png));
  assert.equal(loadImageFolder({ path: root, size }).count, 4, 'repaired');

  mkdirSync(join(root, 'c'));
  throwsNaming(() => loadImageFolder({ path: root, size }), `${join(root, 'c')}: `, /class "c" holds no \.png, \.jpg, \.jpeg image$/);
  writeFileSync(join(root, 'c', 'skip.gif'), 'GIF89a');
  assert.throws(() => loadImageFolder({ path: root, size }), /class "c" holds no/);
  writeFileSync(join(root, 'stray.png'), readFileSync(png));
  throwsNaming(() => loadImageFolder({ path: root, size }), `${join(root, 'stray.png')}: `, /an image outside any class folder/);

  const one = writeImageFolder(tempDir(), { classes: ['only'], perClass: 2, size: 4 });
  throwsNaming(() => loadImageFolder({ path: one, size }), `${one}: `, /expected one sub-folder per class \(at least 2\).*found 1$/);
  assert.throws(() => loadImageFolder({ path: join(one, 'missing'), size }), /missing: cannot read image folder \(ENOENT/);
  assert.throws(() => loadImageFolder({ path: join(one, 'only', '000.png'), size }), /000\.png: expected a folder of class sub-folders, found a file/);
  throwsNaming(() => loadImageFolder({ path: one, size: [4] as unknown as [number, number] }), 'imageFolder.size: ', /expected \[height, width\]/);
  throwsNaming(() => loadImageFolder({ path: one, size, channels: 4 as 3 }), 'imageFolder.channels: ', /expected 1 or 3, got 4/);
});

test('a dataset spec loads an image folder relative to its base folder, split and normalized', () => {
  const base = tempDir();
  writeImageFolder(join(base, 'pets'), { classes: ['cat', 'dog'], perClass: 10, size: 8 });
  const data = loadDatasetSpec({ source: { imageFolder: { path: 'pets', size: [8, 8], channels: 1 } }, split: { ratios: [0.8, 0.2] } }, { baseDir: base });
  assert.equal(data.source.name, 'pets');
  assert.deepEqual(data.source.classNames, ['cat', 'dog']);
  assert.equal(data.train.count + data.val!.count, 20);
  assert.ok(data.train.images instanceof Uint8Array);
  assert.equal(data.normalization!.mean.length, 1);
});
