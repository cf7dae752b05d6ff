// `tensorfleet worker --rank N` (what a Kubernetes Indexed Job passes as its completion index): the PS gives a new
// worker the rank it asks for when free, through the real binaries.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startLogged, startPs } from './helpers/logged.js';

const env = { TENSORFLEET_TOKEN: 'a-long-test-token-for-the-rank-test-0123456789abcdef' };

test('worker --rank: the first worker to join asks for rank 1 and gets it; the next one gets the free rank 0', { timeout: 180_000 }, async () => {
  const root = mkdtempSync(join(tmpdir(), 'tf-rank-'));
  const runs = [];
  try {
    const { ps, url } = await startPs(['--workers', '2', '--preset', 'mlp', '--epochs', '1', '--out', join(root, 'run'), '--metrics-port', '0'], { env });
    runs.push(ps);
    runs.push(startLogged(['worker', '--ps', url, '--rank', '1', '--name', 'index-1', '--json'], { env }));
    const first = await ps.waitFor((l) => l.msg === 'worker joined' && l.name === 'index-1', 'index-1 to join', 120_000);
    assert.equal(first.rank, 1);
    runs.push(startLogged(['worker', '--ps', url, '--name', 'plain', '--json'], { env }));
    const second = await ps.waitFor((l) => l.msg === 'worker joined' && l.name === 'plain', 'the second worker to join', 120_000);
    assert.equal(second.rank, 0);
    const results = await Promise.all(runs.map((r) => r.exited));
    const errors = runs.flatMap((r) => r.logs.filter((l) => l.level >= 50).map((l) => `${l.role}: ${l.msg} ${l.err ?? ''}`));
    assert.deepEqual(results.map((r) => r.code), [0, 0, 0], `the run completes\n${errors.join('\n')}`);
  } finally {
    for (const r of runs) if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL');
    rmSync(root, { recursive: true, force: true });
  }
});

test('worker --rank: a negative rank is a usage error', { timeout: 30_000 }, async () => {
  const run = startLogged(['worker', '--ps', 'ws://127.0.0.1:9', '--rank', '-1'], { env });
  const result = await run.exited;
  assert.equal(result.code, 2);
  assert.match(result.stderr, /--rank expects a rank >= 0, got "-1"/);
});
