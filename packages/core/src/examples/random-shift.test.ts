import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Mt19937, type ImageDataset } from '../data/index.js';
import { randomShift } from './random-shift.js';

test('randomShift moves each image by at most maxShift pixels per axis, reproducibly per seed', () => {
  const [h, w, count] = [7, 7, 200];
  const images = new Float32Array(count * h * w);
  for (let i = 0; i < count; i++) images[i * h * w + 3 * w + 3] = 1; // one lit pixel at (3, 3)
  const ds: ImageDataset = { images, labels: new Int32Array(count), count, height: h, width: w, channels: 1, numClasses: 10, name: 'dots' };
  const shifted = randomShift(ds, new Mt19937(5), 1);
  const seen = new Set<string>();
  for (let i = 0; i < count; i++) {
    const img = shifted.subarray(i * h * w, (i + 1) * h * w);
    const at = img.indexOf(1);
    assert.equal(img.reduce((a, b) => a + b, 0), 1, `image ${i} keeps its one pixel`);
    const [dy, dx] = [Math.floor(at / w) - 3, (at % w) - 3];
    assert.ok(Math.abs(dx) <= 1 && Math.abs(dy) <= 1, `image ${i} moved by (${dx}, ${dy})`);
    seen.add(`${dx},${dy}`);
  }
  assert.equal(seen.size, 9, 'all nine shifts occur');
  assert.deepEqual(randomShift(ds, new Mt19937(5), 1), shifted);
  assert.equal(ds.images[3 * w + 3], 1, 'the source is untouched');
});
