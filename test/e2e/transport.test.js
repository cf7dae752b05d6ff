// The shared-memory transport through the real `tensorfleet train`: co-located workers take the PS's offer, the run
// trains exactly what the websocket run trains (sync SGD is deterministic: same weights, bit for bit), and nothing is
// left in /dev/shm afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { logMessages } from '@tensorfleet/protocol';
import { randomBytes } from 'node:crypto';
import { describe, listCheckpoints, readCheckpointWeights, readSummary, runCli } from './helpers/cli.js';
import { startLogged, startPs } from './helpers/logged.js';

const sharedFiles = () => readdirSync('/dev/shm').filter((f) => f.startsWith('tensorfleet-'));

test('train over shared memory (default) and over ws (--transport ws): the same weights bit for bit, only the first skips the socket', { timeout: 300_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tf-e2e-transport-'));
  const before = sharedFiles();
  try {
    // Dropout off and no augmentation: nothing random but the seeded init and data order, so two runs can be compared.
    const config = join(dir, 'job.json');
    writeFileSync(config, JSON.stringify({ model: { preset: 'mlp', dropoutFc: 0 }, data: { augment: {} }, epochs: 1, batchSize: 64 }));
    const run = async (name, extra) => {
      const out = join(dir, name);
      const result = await runCli(['train', '--config', config, '--out', out, '--json', ...extra]);
      const transport = result.logs.filter((l) => l.msg === logMessages.workerTransport);
      const last = listCheckpoints(out).at(-1);
      return { transport, summary: readSummary(result).summary, weights: readCheckpointWeights(join(out, 'checkpoints', last)) };
    };
    const shm = await run('shm', []);
    const ws = await run('ws', ['--transport', 'ws']);
    assert.deepEqual(shm.transport.map((l) => [l.rank, l.sharedMemory]).sort(), [[0, true], [1, true]], 'both local workers took the offer');
    assert.deepEqual(ws.transport, [], '--transport ws makes no offer');
    assert.equal(shm.summary.testLoss, ws.summary.testLoss);
    assert.equal(shm.weights.length, ws.weights.length);
    shm.weights.forEach((w, i) => assert.deepEqual(w.values, ws.weights[i].values, `weight ${w.name}`));
    assert.ok(shm.summary.testAccuracy > 0.85, `test accuracy ${shm.summary.testAccuracy}`);
    // (a stale file of a dead server may have been swept meanwhile: only new ones count)
    assert.deepEqual(sharedFiles().filter((f) => !before.includes(f)), [], 'no shared file is left in /dev/shm');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('tensorfleet worker --transport ws declines the offer of a PS on its own host, says why, and trains over the socket', { timeout: 120_000 }, async () => {
  const root = mkdtempSync(join(tmpdir(), 'tf-e2e-transport-'));
  const env = { TENSORFLEET_TOKEN: randomBytes(32).toString('hex') };
  const { ps, url } = await startPs(['--workers', '2', '--preset', 'mlp', '--epochs', '1', '--batch-size', '256', '--out', join(root, 'run')], { env });
  const runs = [ps];
  try {
    runs.push(
      startLogged(['worker', '--ps', url, '--backend', 'wasm', '--name', 'declines', '--transport', 'ws', '--json'], { env }),
      startLogged(['worker', '--ps', url, '--backend', 'wasm', '--name', 'takes', '--json'], { env }),
    );
    const [psResult, ...workers] = await Promise.all(runs.map((r) => r.exited));
    assert.equal(psResult.code, 0, `the PS failed\n${describe(psResult)}`);
    workers.forEach((w, i) => assert.equal(w.code, 0, `worker ${i} failed\n${describe(w)}`));
    const outcome = Object.fromEntries(psResult.logs.filter((l) => l.msg === logMessages.workerTransport).map((l) => [l.name, l]));
    assert.equal(outcome.declines?.sharedMemory, false);
    assert.match(outcome.declines.reason, /declined: shared memory is off on this worker/);
    assert.equal(outcome.takes?.sharedMemory, true);
    assert.equal(readSummary(psResult).summary.epochs, 1);
  } finally {
    for (const r of runs) if (!r.closed) r.child.kill('SIGKILL');
    rmSync(root, { recursive: true, force: true });
  }
});
