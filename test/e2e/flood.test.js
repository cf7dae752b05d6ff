// Hostile connections against a real `tensorfleet ps` (issue 12, items 1 and 2): a flood of idle sockets under the
// common 1024-descriptor limit must not stop training or a checkpoint, and model-sized frames sent before
// authenticating must not cost memory that stays.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { describe, readSummary } from './helpers/cli.js';
import { startLogged, startPs } from './helpers/logged.js';
import { openDescriptors, rssBytes, tcpConnect, upgradeRequest, wsFrame } from './helpers/raw-ws.js';

// The flood comes from these loopback addresses; the workers from 127.0.0.1. The per-address cap (64) is what lets
// the workers in while the attackers' sockets are held: 4 × 64 pending stays below the server-wide cap (512).
const ATTACKERS = ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5'];
const FLOOD_SOCKETS = 1_100;

/**
 * Keeps `count` idle TCP sockets open to the port (spread over ATTACKERS), reopening each one the server drops after
 * a pause, until stop(). Bounded: at most `count` sockets, each reopened at most every `reopenMs`.
 */
function idleFlood(port, count, reopenMs = 2_000) {
  const stats = { opened: 0, dropped: 0, failed: 0, stopped: false };
  const sockets = new Set();
  const keep = async (i) => {
    while (!stats.stopped) {
      try {
        const socket = await tcpConnect(port, { localAddress: ATTACKERS[i % ATTACKERS.length] });
        stats.opened++;
        sockets.add(socket);
        socket.on('error', () => {});
        await new Promise((resolve) => socket.once('close', resolve));
        sockets.delete(socket);
        if (!stats.stopped) stats.dropped++;
      } catch {
        stats.failed++;
      }
      await new Promise((r) => setTimeout(r, reopenMs));
    }
  };
  const loops = Array.from({ length: count }, (_, i) => keep(i));
  return {
    stats,
    stop: async () => {
      stats.stopped = true;
      for (const s of sockets) s.destroy();
      await Promise.all(loops);
    },
  };
}

test(
  `${FLOOD_SOCKETS} idle sockets against a PS limited to 1024 descriptors: training completes and every checkpoint is written`,
  { timeout: 240_000 },
  async () => {
    const root = mkdtempSync(join(tmpdir(), 'tf-e2e-flood-'));
    const env = { TENSORFLEET_TOKEN: randomBytes(32).toString('hex') };
    const runs = [];
    let flood;
    try {
      const { ps, url, port } = await startPs(
        ['--workers', '2', '--preset', 'mlp', '--epochs', '2', '--batch-size', '256', '--checkpoint-every', '4', '--out', join(root, 'run')],
        { prefix: ['prlimit', '--nofile=1024:1024'], env },
      );
      runs.push(ps);
      flood = idleFlood(port, FLOOD_SOCKETS);
      // The flood is in place (every socket opened once, most refused at accept) before any worker tries to join.
      const t0 = Date.now();
      while (flood.stats.opened + flood.stats.failed < FLOOD_SOCKETS && Date.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 50));
      let maxDescriptors = openDescriptors(ps.child.pid);
      const sampler = setInterval(() => {
        if (!ps.closed) maxDescriptors = Math.max(maxDescriptors, openDescriptors(ps.child.pid));
      }, 100);

      const workers = [0, 1].map((i) => startLogged(['worker', '--ps', url, '--backend', 'wasm', '--name', `w${i}`, '--json'], { env }));
      runs.push(...workers);
      const [psResult, ...workerResults] = await Promise.all(runs.map((r) => r.exited));
      clearInterval(sampler);
      const floodStats = { ...flood.stats };
      await flood.stop();

      assert.equal(psResult.code, 0, `the PS failed\n${describe(psResult)}`);
      workerResults.forEach((r, i) => assert.equal(r.code, 0, `worker w${i} failed\n${describe(r)}`));
      const { summary } = readSummary(psResult);
      assert.equal(summary.epochs, 2);

      // Every checkpoint: each 4th step and each epoch end, none failed.
      const { stepsPerEpoch } = psResult.logs.find((l) => l.msg === 'all workers joined; training');
      const expected = [...new Set([...Array.from({ length: Math.floor((2 * stepsPerEpoch) / 4) }, (_, k) => 4 * (k + 1)), stepsPerEpoch, 2 * stepsPerEpoch])].sort((a, b) => a - b);
      const written = psResult.logs.filter((l) => l.msg === 'checkpoint written').map((l) => l.step);
      assert.deepEqual(written, expected, 'checkpoint steps');
      const all = `${psResult.lines.join('\n')}\n${psResult.stderr}`;
      assert.doesNotMatch(all, /EMFILE/);
      assert.ok(!all.includes(env.TENSORFLEET_TOKEN), 'the token never appears in the logs');

      // The flood was real and was refused, not merely absorbed: most sockets were dropped, at accept or at the deadline.
      assert.ok(floodStats.opened >= FLOOD_SOCKETS, `flood sockets opened: ${JSON.stringify(floodStats)}`);
      assert.ok(floodStats.dropped >= FLOOD_SOCKETS - 4 * 64, `flood sockets dropped by the server: ${JSON.stringify(floodStats)}`);
      assert.ok(psResult.logs.some((l) => l.code === 'refused'), 'the PS reported the refused connections');
      assert.ok(maxDescriptors < 700, `the PS held at most ${maxDescriptors} descriptors`);
      console.error(`flood: ${JSON.stringify(floodStats)}; PS descriptors at most ${maxDescriptors}`);
    } finally {
      await flood?.stop();
      for (const r of runs) if (!r.closed) r.child.kill('SIGKILL');
      rmSync(root, { recursive: true, force: true });
    }
  },
);

test('100 connections each sending most of a model-sized frame before authenticating leave the PS within 20 MB', { timeout: 90_000 }, async () => {
  const root = mkdtempSync(join(tmpdir(), 'tf-e2e-bigframe-'));
  const env = { TENSORFLEET_TOKEN: randomBytes(32).toString('hex') };
  // No workers: the PS waits, holding its job, as during a flood at startup.
  const { ps, port } = await startPs(['--workers', '2', '--preset', 'seed-convnet', '--out', join(root, 'run')], { env });
  try {
    await new Promise((r) => setTimeout(r, 1_000)); // let startup allocations settle
    const before = rssBytes(ps.child.pid);
    // seed-convnet's frames are 5.3 MB; each connection declares a 5 MB binary frame and sends all but its last byte.
    const FRAME = 5_000_000;
    const t0 = Date.now();
    const closed = await Promise.all(
      Array.from({ length: 100 }, async (_, i) => {
        const socket = await tcpConnect(port, { localAddress: ATTACKERS[i % ATTACKERS.length] });
        socket.on('error', () => {});
        const gone = new Promise((resolve) => socket.once('close', () => resolve(Date.now() - t0)));
        socket.write(upgradeRequest('127.0.0.1', port));
        const frame = wsFrame(Buffer.alloc(FRAME - 1, 7), { declaredLength: FRAME });
        for (let offset = 0; offset < frame.length && !socket.destroyed; offset += 1 << 16) {
          if (!socket.write(frame.subarray(offset, offset + (1 << 16)))) await new Promise((r) => socket.once('drain', r).once('close', r));
        }
        return gone;
      }),
    );
    const slowest = Math.max(...closed);
    await new Promise((r) => setTimeout(r, 1_000));
    const after = rssBytes(ps.child.pid);
    const grewMb = (after - before) / 2 ** 20;
    console.error(`partial-frame flood: RSS ${(before / 2 ** 20).toFixed(1)} MB -> ${(after / 2 ** 20).toFixed(1)} MB; every connection closed within ${slowest} ms`);
    assert.ok(grewMb < 20, `the PS kept ${grewMb.toFixed(1)} MB after the flood`);
    assert.ok(slowest < 10_000, `the last attacker was dropped after ${slowest} ms`);
    assert.ok(ps.logs.some((l) => l.code === 'frame-too-large'), 'the PS reported the oversized pre-auth frames');
  } finally {
    ps.child.kill('SIGKILL');
    await ps.exited;
    rmSync(root, { recursive: true, force: true });
  }
});
