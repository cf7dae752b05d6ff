/**
 * findNonFinite in JavaScript: the index of the first NaN or ±Infinity in `values`, or -1 when every value is finite
 * (jsStepLoops' scan, and findNonFinite's for anything but a large Float32Array). Branch-free: x − x is 0 for a finite
 * x and NaN otherwise, so four running sums stay 0 exactly when everything is finite, and the index is looked for only
 * when a sum is not 0. About twice as fast as a loop over Number.isFinite on V8.
 * @example
 * scanNonFinite(new Float32Array([1, NaN, Infinity])); // 1
 * scanNonFinite(new Float32Array([1, 2]));             // -1
 */
export function scanNonFinite(values: ArrayLike<number>): number {
  const n = values.length;
  const whole = n & ~3;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  for (; i < whole; i += 4) {
    const a = values[i]!;
    const b = values[i + 1]!;
    const c = values[i + 2]!;
    const d = values[i + 3]!;
    s0 += a - a;
    s1 += b - b;
    s2 += c - c;
    s3 += d - d;
  }
  for (; i < n; i++) {
    const a = values[i]!;
    s0 += a - a;
  }
  if (s0 + s1 + s2 + s3 === 0) return -1;
  for (let k = 0; k < n; k++) if (!Number.isFinite(values[k]!)) return k;
  return -1; // unreachable: a non-zero sum needs a non-finite value
}
