import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SqliteStudyStore } from '@tensorfleet/coordinator';
import { parsePrometheusText } from './prometheus-text.js';
import { recentAlerts, runState } from './run-state.js';
import { startDashboard } from './server.js';

const bin = fileURLToPath(new URL('../bin.js', import.meta.url));

test('dashboard of a target that is neither a run folder nor a study: exit 2, one line, nothing created', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tf-dash-'));
  const storage = join(dir, 'hpo', 'studies.sqlite');
  const r = spawnSync(process.execPath, [bin, 'dashboard', join(dir, 'nope'), '--storage', storage, '--port', '0'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 2);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /is neither a run folder nor a study \(no study storage at .*studies\.sqlite; pass --storage\)/);
  assert.equal(existsSync(storage), false);
  assert.throws(() => new SqliteStudyStore(storage, { readonly: true }), /no study storage at .*studies\.sqlite/);
  assert.equal(existsSync(join(dir, 'hpo')), false, 'a read-only open made the storage folder');
});

/** GET with a chosen Host header (fetch will not send another). */
const get = (url: string, host: string, method = 'GET') => new Promise<number>((resolve, reject) => {
  const req = request(url, { method, headers: { host } }, (res) => {
    res.resume();
    resolve(res.statusCode!);
  });
  req.on('error', reject);
  req.end();
});

test('the dashboard server is read-only and refuses other Host names (DNS rebinding)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tf-dash-run-'));
  const dashboard = await startDashboard({ host: '127.0.0.1', port: 0, state: () => runState(dir) });
  try {
    const port = new URL(dashboard.url).port;
    assert.equal(await get(`${dashboard.url}state`, `127.0.0.1:${port}`), 200);
    assert.equal(await get(`${dashboard.url}state`, `localhost:${port}`), 200);
    assert.equal(await get(`${dashboard.url}state`, 'evil.example:80'), 403);
    assert.equal(await get(`${dashboard.url}state`, `127.0.0.1:${port}`, 'POST'), 404);
    assert.equal(await get(`${dashboard.url}nothing-here`, `127.0.0.1:${port}`), 404);
    const waiting = await (await fetch(`${dashboard.url}state`)).json() as { status: string };
    assert.match(waiting.status, /^waiting: no report\.json/);
    // A run folder with only a summary.json (written before report.json existed) still gets its curves.
    writeFileSync(join(dir, 'summary.json'), JSON.stringify({
      run: 'r1', testLoss: 0.3, testAccuracy: 0.9, testTop5: 0.99, epochs: 2, steps: 20, workers: 2, wallSeconds: 3, timeToAccuracy: {}, samplesPerSec: 100, backend: 'wasm', modelPath: null,
      history: [0, 1].map((epoch) => ({ epoch, loss: 1 - epoch / 4, accuracy: 0.6, valLoss: 0.8, valAccuracy: 0.85, valTop5: 0.99, lr: 0.01, seconds: 1, samplesPerSec: 100, computeMsPerStep: 5, commMsPerStep: 2 })),
    }));
    const state = await (await fetch(`${dashboard.url}state`)).json() as { status: string; charts: { id: string; vega: unknown }[] };
    assert.match(state.status, /^finished: 2 epochs, test accuracy 90\.00%/);
    assert.ok(state.charts.find((c) => c.id === 'loss')?.vega, 'no loss chart');
  } finally {
    await dashboard.close();
  }
});

test('the metrics parser follows the text-format rules and names the line it cannot read', () => {
  const ok = parsePrometheusText('# HELP a_total things\n# TYPE a_total counter\na_total 3\n# TYPE b gauge\nb{x="q\\"uote",y="2"} NaN\nb{x="z"} +Inf 1700000000000\n');
  assert.equal(ok.get('a_total')!.type, 'counter');
  assert.deepEqual(ok.get('b')!.samples.map((s) => s.labels.x), ['q"uote', 'z']);
  assert.ok(Number.isNaN(ok.get('b')!.samples[0]!.value) && ok.get('b')!.samples[1]!.value === Infinity);
  for (const [bad, why] of [
    ['bad line here', /line 1: not a sample line/],
    ['x 1\n9x 2', /line 2: not a sample line/],
    ['x{a=1} 2', /not quoted/],
    ['x{a="1",a="2"} 2', /label "a" twice/],
    ['x 1\nx 2', /duplicate series/],
    ['x one', /bad value/],
    ['# TYPE x gauge\n# TYPE x counter', /second TYPE/],
    ['x 1\n# TYPE x gauge', /TYPE of x after its samples/],
    ['# TYPE x thing', /unknown type/],
  ] as const) assert.throws(() => parsePrometheusText(bad), why, bad);
});

test('alerts: the newest warnings and errors of log.jsonl, one line each, from the file\'s tail only', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tf-dash-log-'));
  const log = join(dir, 'log.jsonl');
  assert.deepEqual(recentAlerts(log), []);
  const t = Date.UTC(2026, 0, 1, 12, 0, 0);
  const lines = [
    { level: 30, time: t, role: 'ps', msg: 'epoch' },
    { level: 40, time: t, role: 'ps', name: 'local-1', msg: 'worker lost; waiting 60000 ms for it to reconnect' },
    ...Array.from({ length: 5000 }, (_, i) => ({ level: 30, time: t, role: 'worker', rank: 0, msg: `step ${i}`, pad: 'x'.repeat(40) })),
    { level: 50, time: t + 1000, role: 'worker', rank: 1, msg: 'worker failed', err: 'connection refused' },
  ];
  writeFileSync(log, lines.map((l) => JSON.stringify(l)).join('\n') + '\n{"level":50,"ti');
  // The warning is more than 256 KiB from the end: only the error is in the tail that is read.
  assert.deepEqual(recentAlerts(log), ['12:00:01 error worker rank 1: worker failed (connection refused)']);
  writeFileSync(log, lines.slice(0, 2).map((l) => JSON.stringify(l)).join('\n') + '\n');
  assert.deepEqual(recentAlerts(log), ['12:00:00 warn ps local-1: worker lost; waiting 60000 ms for it to reconnect']);
});
