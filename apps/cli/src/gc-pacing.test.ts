import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { HEAP_GROWING_PERCENT } from './gc-pacing.js';

const module = fileURLToPath(new URL('./gc-pacing.js', import.meta.url));

/**
 * Runs a node that paces its collections, then makes V8 set its heap limit a few times (full collections with a
 * growing live heap), with V8's own trace of each new limit: "Limit: old size: A KB, new limit: B KB (factor)".
 * Returns the factors traced after pacing, and what paceGarbageCollection returned.
 */
function limitFactorsAfterPacing(nodeFlags: string[]): { paced: boolean; factors: number[] } {
  const script = `
    const { paceGarbageCollection } = await import(${JSON.stringify(module)});
    const paced = paceGarbageCollection();
    console.log('PACED ' + paced);
    const keep = [];
    for (let round = 0; round < 4; round++) {
      for (let i = 0; i < 50000; i++) keep.push({ i, s: 'v' + i });
      globalThis.gc();
    }
    console.log('KEPT ' + keep.length);`;
  const r = spawnSync(process.execPath, [...nodeFlags, '--expose-gc', '--trace-gc-verbose', '--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const after = r.stdout.slice(r.stdout.indexOf('PACED '));
  const factors = [...after.matchAll(/Limit: old size: \d+ KB, new limit: \d+ KB \(([\d.]+)\)/g)].map((m) => Number(m[1]));
  return { paced: after.startsWith('PACED true'), factors };
}

test('paceGarbageCollection: V8 then sets every new heap limit at 1 + HEAP_GROWING_PERCENT/100 times the live heap', () => {
  const { paced, factors } = limitFactorsAfterPacing([]);
  assert.equal(paced, true);
  assert.ok(factors.length >= 4, `expected a traced limit per full collection, got ${factors.length}`);
  for (const f of factors) assert.equal(f, 1 + HEAP_GROWING_PERCENT / 100);
});

test('paceGarbageCollection: a --heap-growing-percent given to node is kept', () => {
  const { paced, factors } = limitFactorsAfterPacing(['--heap-growing-percent=50']);
  assert.equal(paced, false);
  assert.ok(factors.length >= 4);
  for (const f of factors) assert.equal(f, 1.5);
});
