import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { writePreviewPng } from './preview.js';
import { loadMnistDigits } from './mnist.js';
import { loadCifar10 } from './cifar10.js';
import { cifarBytes, tempDir } from './fixture-files.js';

test('writePreviewPng writes a valid grayscale PNG grid of augmented digits', () => {
  const path = join(tempDir(), 'nested', 'preview.png');
  const out = writePreviewPng(loadMnistDigits(), { path, transforms: { randomShift: {}, randomErasing: { p: 1, value: 1 } }, count: 10, seed: 3 });
  const png = PNG.sync.read(readFileSync(path));
  // 4 columns × 3 rows of 56 px cells with 2 px gaps
  assert.deepEqual([png.width, png.height], [4 * 56 + 5 * 2, 3 * 56 + 4 * 2]);
  assert.deepEqual([out.width, out.height], [png.width, png.height]);
  assert.equal(out.indices.length, 10);
  // erasing with value 1 paints white pixels; gaps are gray
  const px = (x: number, y: number) => png.data[(y * png.width + x) * 4]!;
  assert.equal(px(0, 0), 96);
  let white = 0;
  for (let y = 2; y < 58; y++) for (let x = 2; x < 58; x++) if (px(x, y) === 255) white++;
  assert.ok(white > 0.02 * 56 * 56, `white pixels ${white}`);
  assert.throws(() => writePreviewPng(loadMnistDigits(), { path, transforms: { randomVerticalFlip: {} } }), /6 into a 9/);
  assert.throws(() => writePreviewPng(loadMnistDigits(), { path, count: 0 }), /count must be an integer in \[1, 10000\], got 0/);
});

test('writePreviewPng writes RGB for CIFAR-10 with the pixels of the samples', () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'b.bin'), cifarBytes(4));
  const ds = loadCifar10([join(dir, 'b.bin')]);
  const path = join(dir, 'cifar.png');
  const out = writePreviewPng(ds, { path, count: 4, columns: 4, scale: 1 });
  const png = PNG.sync.read(readFileSync(path));
  assert.deepEqual([png.width, png.height], [4 * 32 + 5 * 2, 32 + 2 * 2]);
  // first cell's top-left pixel = sample indices[0], pixel 0: channels (n, n + 3, n + 6) / 255
  const n = out.indices[0]!;
  const o = (2 * png.width + 2) * 4;
  assert.deepEqual([png.data[o], png.data[o + 1], png.data[o + 2]], [n, n + 3, n + 6]);
});
