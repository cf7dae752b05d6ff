import { stepLoops } from './step-loops.js';
import { scanNonFinite } from './scan-non-finite.js';

/** Below this many values a scan is cheaper in JavaScript than a call into the addon. */
const STEP_LOOPS_MIN = 256;

/**
 * The index of the first NaN or ±Infinity in `values`, or -1 when every value is finite. Every tensor a parameter
 * server or a worker takes is checked with it (pushes, parameters, gradients before an optimizer step), so it sits on
 * a sync step's critical path several times: a Float32Array of some size is scanned by the process's step loops (C
 * when the native backend is installed), anything else by the JavaScript scan (scanNonFinite).
 * @example
 * findNonFinite(new Float32Array([1, NaN, Infinity])); // 1
 * findNonFinite(new Float32Array([1, 2]));             // -1
 */
export function findNonFinite(values: ArrayLike<number>): number {
  if (values instanceof Float32Array && values.length >= STEP_LOOPS_MIN) return stepLoops().findNonFinite(values);
  return scanNonFinite(values);
}
