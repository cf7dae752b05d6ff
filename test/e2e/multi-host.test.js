// Multi-host training: the parameter server and each worker run in their own network namespace (their own
// interfaces, addresses and loopback), talking over veths and a bridge — as on separate machines. The data (the MNIST
// digits as an IDX pair) exists only in the PS's folder: each worker also has its own mount namespace in which that
// folder is empty, so it fetches the files from the PS over its connection, into its own cache.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, readSummary, startCli } from './helpers/cli.js';
import { createNetwork, listNamespaces, netnsUnavailableReason } from './helpers/netns.js';
import { mountNsUnavailableReason, withoutFolder } from './helpers/mount-ns.js';
import { idxHeader } from './helpers/datasets.js';
import { loadMnistDigits, pixelValues } from '@tensorfleet/core';
import { logMessages } from '@tensorfleet/protocol';

const EPOCHS = 2;
const TARGET_ACCURACY = 0.88; // measured: the mlp preset after 2 epochs of 2 workers × batch 32 (seed 1) scores ~0.91

const unavailable = netnsUnavailableReason() ?? mountNsUnavailableReason();
if (unavailable) {
  // .ci/run sets TENSORFLEET_REQUIRE_NETNS so CI fails here instead of skipping.
  if (process.env.TENSORFLEET_REQUIRE_NETNS) throw new Error(`multi-host test required but impossible: ${unavailable}`);
  console.error(`\n*** SKIPPING the multi-host test: ${unavailable} ***\n`);
}

/** The 10k bundled digits as an IDX pair and a config naming it, in `dir` (the PS's folder). */
function writeDigitsIdx(dir) {
  const digits = loadMnistDigits();
  mkdirSync(dir, { recursive: true });
  const bytes = Uint8Array.from(pixelValues(digits), (v) => Math.round(v * 255)); // the package's k/255, 3 decimals
  writeFileSync(join(dir, 'digits-images.idx3-ubyte'), Buffer.concat([idxHeader([digits.count, 28, 28]), bytes]));
  writeFileSync(join(dir, 'digits-labels.idx1-ubyte'), Buffer.concat([idxHeader([digits.count]), Uint8Array.from(digits.labels)]));
  const config = join(dir, 'train.yaml');
  writeFileSync(config, 'data: { source: { idx: { images: digits-images.idx3-ubyte, labels: digits-labels.idx1-ubyte } } }\n');
  return config;
}

function waitForLog(run, predicate, what, timeoutMs = 30_000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
    const check = () => {
      const found = run.logs.find(predicate);
      if (found) {
        clearTimeout(timer);
        resolve(found);
      } else if (run.closed) {
        clearTimeout(timer);
        reject(new Error(`exited before ${what}`));
      } else setTimeout(check, 50);
    };
    check();
  });
}

/** startCli plus a live list of parsed log lines, for waiting on them while the process runs. */
function startLogged(args, options) {
  const logs = [];
  const started = startCli(args, { ...options, onLine: (_, log) => log && logs.push(log) });
  const run = { ...started, logs, closed: false };
  started.exited.then(() => (run.closed = true), () => (run.closed = true));
  return run;
}

test(
  `a PS and 2 workers in separate network namespaces train the mlp to ≥ ${TARGET_ACCURACY} test accuracy`,
  { timeout: 240_000, skip: unavailable ? `needs root, iproute2 and unshare: ${unavailable}` : false },
  async () => {
    const root = mkdtempSync(join(tmpdir(), 'tf-e2e-netns-'));
    const net = createNetwork(['ps', 'w0', 'w1']);
    const runs = [];
    try {
      const env = { TENSORFLEET_TOKEN: randomBytes(16).toString('hex') };
      const psAddress = net.hosts.ps.address;
      const psData = join(root, 'ps-data');
      const config = writeDigitsIdx(psData);
      const ps = startLogged(
        ['ps', '--config', config, '--host', psAddress, '--port', '7070', '--workers', '2', '--preset', 'mlp', '--epochs', String(EPOCHS), '--out', join(root, 'run'), '--json'],
        { prefix: net.exec('ps'), env },
      );
      runs.push(ps);
      const listening = await waitForLog(ps, (l) => l.msg === 'parameter server listening', 'the PS to listen');
      assert.equal(listening.url, `ws://${psAddress}:7070`);

      const workers = ['w0', 'w1'].map((host) =>
        startLogged(['worker', '--ps', `ws://${psAddress}:7070`, '--backend', 'wasm', '--name', host, '--cache-dir', join(root, `cache-${host}`), '--json'], {
          // Another host has its own /dev/shm too: the PS's shared-memory offer cannot be taken there.
          prefix: [...net.exec(host), ...withoutFolder(psData), ...withoutFolder('/dev/shm')],
          env,
        }),
      );
      runs.push(...workers);
      const [psResult, ...workerResults] = await Promise.all(runs.map((r) => r.exited));
      assert.equal(psResult.code, 0, `the PS failed\n${describe(psResult)}`);
      workerResults.forEach((r, i) => assert.equal(r.code, 0, `worker w${i} failed\n${describe(r)}`));

      // The workers reached the PS from their own hosts' addresses, not over a shared loopback.
      const joined = psResult.logs.filter((l) => l.msg === 'worker joined').map((l) => `${l.name}@${l.remote.replace(/:\d+$/, '')}`);
      assert.deepEqual(joined.sort(), [`w0@${net.hosts.w0.address}`, `w1@${net.hosts.w1.address}`]);

      // Neither could open the PS's shared-memory file: both declined it and trained over the websocket.
      const transport = psResult.logs.filter((l) => l.msg === logMessages.workerTransport);
      assert.deepEqual(transport.map((l) => l.sharedMemory), [false, false]);
      for (const l of transport) assert.match(l.reason, /cannot use \/dev\/shm\/tensorfleet-.*ENOENT/);

      // Neither worker could see the PS's files: each fetched both into its own cache.
      for (const [i, r] of workerResults.entries()) {
        const line = r.logs.find((l) => l.msg === 'data files from the cache');
        assert.equal(line?.fetched, 2, `worker w${i} fetched the IDX pair: ${JSON.stringify(line)}`);
        assert.equal(readdirSync(join(root, `cache-w${i}`)).filter((f) => /^[0-9a-f]{64}$/.test(f)).length, 2);
      }

      const { summary } = readSummary(psResult);
      assert.equal(summary.epochs, EPOCHS);
      assert.equal(summary.workers, 2);
      assert.ok(summary.testAccuracy >= TARGET_ACCURACY, `test accuracy ${summary.testAccuracy} < ${TARGET_ACCURACY}`);
    } finally {
      for (const r of runs) if (!r.closed) r.child.kill('SIGKILL');
      net.destroy();
      rmSync(root, { recursive: true, force: true });
      const left = listNamespaces().filter((n) => net.namespaces().includes(n));
      assert.deepEqual(left, [], 'every namespace this test made is gone');
    }
  },
);
