import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

type Numeric = ArrayLike<number> | number;

function flatten(x: Numeric): number[] {
  return typeof x === 'number' ? [x] : Array.from(x);
}

/**
 * Asserts |actual − expected| ≤ atol + rtol·|expected| elementwise (numpy's allclose), naming the first bad index.
 * The default rtol of 1e-5 is the project's bar for float32 agreement with PyTorch.
 */
export function assertClose(
  actual: Numeric,
  expected: Numeric,
  { rtol = 1e-5, atol = 1e-7, label = 'value' }: { rtol?: number; atol?: number; label?: string } = {},
): void {
  const a = flatten(actual);
  const e = flatten(expected);
  assert.equal(a.length, e.length, `${label}: length ${a.length} != expected ${e.length}`);
  for (let i = 0; i < a.length; i++) {
    const diff = Math.abs(a[i]! - e[i]!);
    if (!(diff <= atol + rtol * Math.abs(e[i]!))) {
      assert.fail(`${label}[${i}]: ${a[i]} vs expected ${e[i]} (|diff| ${diff.toExponential(3)}, rtol ${rtol})`);
    }
  }
}

/** Reads a committed JSON fixture, e.g. loadFixture('optim/sgd.json'), from packages/core/fixtures. */
export function loadFixture<T = unknown>(relativePath: string): T {
  // src/testing and dist/testing are both two levels below the package root.
  const url = new URL(`../../fixtures/${relativePath}`, import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')) as T;
}
