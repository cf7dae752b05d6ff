import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findNonFinite } from './find-non-finite.js';

test('findNonFinite: -1 when every value is finite, including ±0, subnormals and ±max float32', () => {
  assert.equal(findNonFinite(new Float32Array([0, -0, 1e-45, -3.4028234663852886e38, 3.4028234663852886e38, 7])), -1);
  assert.equal(findNonFinite(new Float32Array(0)), -1);
  assert.equal(findNonFinite([1.5, -2]), -1);
});

test('findNonFinite: the first NaN or infinity, at every position of the unrolled loop and its tail', () => {
  for (const bad of [NaN, Infinity, -Infinity]) {
    for (let n = 1; n <= 11; n++) {
      for (let at = 0; at < n; at++) {
        const values = new Float32Array(n).map((_, i) => i - 3.25);
        values[at] = bad;
        if (at + 2 < n) values[at + 2] = NaN; // a later one does not hide the first
        assert.equal(findNonFinite(values), at, `${bad} at ${at} of ${n}`);
      }
    }
  }
});

test('findNonFinite: +Infinity and -Infinity in different lanes do not cancel', () => {
  assert.equal(findNonFinite(new Float32Array([Infinity, -Infinity, 1, 1])), 0);
  assert.equal(findNonFinite(new Float32Array([1, Infinity, 1, 1, 1, -Infinity])), 1);
});
