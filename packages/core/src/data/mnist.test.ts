import test from 'node:test';
import assert from 'node:assert/strict';
import { loadMnistDigits } from './mnist.js';
import { pixelValues } from './pixels.js';

test('loadMnistDigits yields 10,000 28x28 digits of every class, pixels in [0, 1]', () => {
  const d = loadMnistDigits();
  assert.equal(d.count, 10000);
  assert.equal(d.images.length, 10000 * 784);
  const perClass = new Array(10).fill(0);
  for (const l of d.labels) perClass[l]++;
  assert.equal(perClass.reduce((a, b) => a + b, 0), 10000);
  for (const n of perClass) assert.ok(n > 800 && n < 1200, `class counts ${perClass}`);
  let min = Infinity, max = -Infinity;
  assert.ok(d.images instanceof Uint8Array, 'one byte per pixel');
  for (const v of pixelValues(d)) { if (v < min) min = v; if (v > max) max = v; }
  assert.equal(min, 0);
  assert.ok(max <= 1 && max > 0.9, `max pixel ${max}`);
});
