// Data that reaches every worker: a parameter server whose dataset (an IDX pair) exists only in its own folder, and
// worker processes that cannot see that folder (a private mount namespace hides it: another host's file system).
// The workers fetch the files from the PS over their authenticated connection, keep them in a cache by sha256, train,
// and refuse files whose hash differs from the job's, naming them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, readSummary, startCli } from './helpers/cli.js';
import { writeIdx, writeImageFolder } from './helpers/datasets.js';
import { mountNsUnavailableReason, withoutFolder } from './helpers/mount-ns.js';

const unavailable = mountNsUnavailableReason();
if (unavailable && process.env.TENSORFLEET_REQUIRE_NETNS) {
  // .ci/run sets TENSORFLEET_REQUIRE_NETNS (root tests must run there): fail instead of skipping.
  throw new Error(`data-fetch test required but impossible: ${unavailable}`);
}
const skip = unavailable ? `needs a private mount namespace: ${unavailable}` : false;
const sha256 = (file) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** startCli plus live parsed log lines. */
function startLogged(args, options) {
  const logs = [];
  const started = startCli(args, { ...options, onLine: (_, log) => log && logs.push(log) });
  const run = { ...started, logs, closed: false, result: null };
  started.exited.then((r) => ((run.closed = true), (run.result = r)), () => (run.closed = true));
  return run;
}

async function waitForLog(run, predicate, what, timeoutMs = 60_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const found = run.logs.find(predicate);
    if (found) return found;
    if (run.closed) throw new Error(`exited before ${what}\n${run.result ? describe(run.result) : ''}`);
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * A PS folder with an IDX pair (or an image folder) and a config naming it by relative paths; a PS serving it to
 * `workers` workers.
 */
async function startPs(root, { workers = 1, port, images = false }) {
  const data = join(root, 'ps-data');
  const files = writeIdx(data, { count: 400, side: 8 });
  if (images) writeImageFolder(join(data, 'images'), { perClass: 30 });
  const source = images ? '{ imageFolder: { path: images, size: [8, 8] } }' : `{ idx: { images: ${files.images}, labels: ${files.labels} } }`;
  const config = join(data, 'train.yaml');
  writeFileSync(
    config,
    [
      `data: { source: ${source}, augment: {} }`,
      'model: { preset: mlp }',
      'epochs: 1',
      'batchSize: 16',
      'optimizer: { name: adam, lr: 0.003 }',
      `out: ${join(root, 'run')}`,
    ].join('\n'),
  );
  const env = { TENSORFLEET_TOKEN: randomBytes(16).toString('hex') };
  const ps = startLogged(['ps', '--config', config, '--host', '127.0.0.1', '--port', String(port), '--workers', String(workers), '--json'], { env });
  await waitForLog(ps, (l) => l.msg === 'parameter server listening', 'the PS to listen');
  return { ps, env, data, images: join(data, files.images), labels: join(data, files.labels), url: `ws://127.0.0.1:${port}` };
}

const worker = (s, name, cacheDir, prefix) =>
  startLogged(['worker', '--ps', s.url, '--backend', 'wasm', '--name', name, '--cache-dir', cacheDir, '--json'], { prefix, env: s.env });

test('workers that cannot see the PS\'s data folder fetch its files once, cache them by sha256, and train', { timeout: 180_000, skip }, async () => {
  const root = mkdtempSync(join(tmpdir(), 'tf-e2e-fetch-'));
  const runs = [];
  try {
    const s = await startPs(root, { workers: 2, port: 7381 });
    runs.push(s.ps);
    const cache = join(root, 'cache');
    // w0 fetches into the shared cache; w1, started once w0 has its files, finds them there
    const w0 = worker(s, 'w0', cache, withoutFolder(s.data));
    runs.push(w0);
    const fetched = await waitForLog(w0, (l) => l.msg === 'data files from the cache', 'w0 to fetch its data');
    assert.equal(fetched.fetched, 2, JSON.stringify(fetched));
    const w1 = worker(s, 'w1', cache, withoutFolder(s.data));
    runs.push(w1);
    const [psResult, ...workerResults] = await Promise.all(runs.map((r) => r.exited));
    assert.equal(psResult.code, 0, `the PS failed\n${describe(psResult)}`);
    workerResults.forEach((r, i) => assert.equal(r.code, 0, `worker w${i} failed\n${describe(r)}`));
    const cached = w1.logs.find((l) => l.msg === 'data files from the cache');
    assert.deepEqual([cached?.fetched, cached?.cached], [0, 2], 'w1 used the cached copies');

    // the cache holds exactly the PS's bytes, named by their hash
    for (const file of [s.images, s.labels]) {
      const hash = sha256(file);
      assert.ok(existsSync(join(cache, hash)), `cache has ${hash}`);
      assert.deepEqual(readFileSync(join(cache, hash)), readFileSync(file));
    }
    assert.deepEqual(readdirSync(cache).filter((f) => f.endsWith('.partial')), [], 'no partial downloads left');

    // the job named both files with their size and sha256
    const { summary } = readSummary(psResult);
    assert.equal(summary.workers, 2);
    assert.ok(summary.testAccuracy > 0.5, `test accuracy ${summary.testAccuracy} (4 classes, chance 0.25)`);
  } finally {
    for (const r of runs) r.child.kill('SIGKILL');
    rmSync(root, { recursive: true, force: true });
  }
});

test('a worker without the PS\'s image folder fetches its files and trains on the folder rebuilt from its cache', { timeout: 180_000, skip }, async () => {
  const root = mkdtempSync(join(tmpdir(), 'tf-e2e-fetch-images-'));
  const runs = [];
  try {
    const s = await startPs(root, { workers: 1, port: 7383, images: true });
    runs.push(s.ps);
    const cache = join(root, 'cache');
    const w = worker(s, 'w0', cache, withoutFolder(s.data));
    runs.push(w);
    const [psResult, workerResult] = await Promise.all(runs.map((r) => r.exited));
    assert.equal(psResult.code, 0, `the PS failed\n${describe(psResult)}`);
    assert.equal(workerResult.code, 0, `the worker failed\n${describe(workerResult)}`);
    assert.equal(w.logs.find((l) => l.msg === 'data files from the cache')?.fetched, 120, 'every image file fetched');
    const [tree] = readdirSync(join(cache, 'trees'));
    assert.deepEqual(readdirSync(join(cache, 'trees', tree)), readdirSync(join(s.data, 'images')).sort(), 'the class folders, rebuilt');
    assert.ok(readSummary(psResult).summary.testAccuracy > 0.5);
  } finally {
    for (const r of runs) r.child.kill('SIGKILL');
    rmSync(root, { recursive: true, force: true });
  }
});

test('a file whose hash differs from the job\'s is an error naming it: at the path, and as fetched', { timeout: 120_000, skip }, async () => {
  const root = mkdtempSync(join(tmpdir(), 'tf-e2e-fetch-bad-'));
  const runs = [];
  try {
    const s = await startPs(root, { workers: 1, port: 7382 });
    runs.push(s.ps);
    const expected = sha256(s.images);

    // another host holds a different file at the same path
    const other = join(root, 'other-images');
    const bytes = readFileSync(s.images);
    bytes[bytes.length - 1] ^= 0xff;
    writeFileSync(other, bytes);
    const atPath = await worker(s, 'w-bad-copy', join(root, 'cache1'), withoutFolder(s.data, { files: { 'images.idx3-ubyte': other } })).exited;
    assert.equal(atPath.code, 1, describe(atPath));
    const failure = atPath.logs.find((l) => l.msg === 'worker failed');
    assert.match(failure?.err ?? '', new RegExp(`^${s.images}: has sha256 [0-9a-f]{64} \\(\\d+ bytes\\) but the job names sha256 ${expected}`), JSON.stringify(failure));

    // the PS's file changed after it named it: what arrives does not match the job
    writeFileSync(s.images, bytes);
    const fetched = await worker(s, 'w-changed', join(root, 'cache2'), withoutFolder(s.data)).exited;
    assert.equal(fetched.code, 1, describe(fetched));
    const err = fetched.logs.find((l) => l.msg === 'worker failed')?.err ?? '';
    assert.match(err, new RegExp(`^${s.images} as fetched from the parameter server: has sha256 [0-9a-f]{64} .* but the job names sha256 ${expected}`), err);
    assert.deepEqual(readdirSync(join(root, 'cache2')), [], 'a bad download is not kept');
  } finally {
    for (const r of runs) r.child.kill('SIGKILL');
    rmSync(root, { recursive: true, force: true });
  }
});
