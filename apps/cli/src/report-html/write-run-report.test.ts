import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runFiles } from '@tensorfleet/protocol';
import type { RunReportData } from './run-report-data.js';
import { reportRenderGap, RunReportWriter } from './write-run-report.js';

const data = (n: number): RunReportData => ({
  runId: `run-${n}`, config: { epochs: 100 },
  environment: { backend: 'wasm', workers: 2, hosts: ['127.0.0.1'], consistency: 'sync', psUrl: 'ws://127.0.0.1:1', metricsUrl: null, node: process.version, platform: 'linux-x64', startedAt: 0 },
  epochs: [], workerEpochs: [], workers: [], test: null, state: 'running', updatedAt: n,
});

test('report writes asked for faster than they render are coalesced: at most one waits, the newest state is written last', { timeout: 120_000 }, async () => {
  const out = mkdtempSync(join(tmpdir(), 'tf-report-'));
  try {
    const writer = new RunReportWriter(out);
    const writes = Array.from({ length: 50 }, (_, n) => writer.write(data(n)));
    // The first starts at once; all later ones asked while it renders share one write, of the newest state.
    assert.ok(new Set(writes).size <= 2, `${new Set(writes).size} distinct writes for 50 states`);
    await Promise.all(writes);
    assert.equal(JSON.parse(readFileSync(join(out, runFiles.reportData), 'utf8')).runId, 'run-49');
    assert.match(readFileSync(join(out, runFiles.report), 'utf8'), /run-49/);
    await writer.write(data(50));
    assert.equal(JSON.parse(readFileSync(join(out, runFiles.reportData), 'utf8')).runId, 'run-50', 'a write after the others is written too');
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('while a run goes on, report.html waits reportRenderGap render-times between renders; report.json is always the newest; a finished run renders at once', { timeout: 120_000 }, async () => {
  const out = mkdtempSync(join(tmpdir(), 'tf-report-'));
  const html = () => readFileSync(join(out, runFiles.report), 'utf8');
  const json = () => JSON.parse(readFileSync(join(out, runFiles.reportData), 'utf8')).runId;
  try {
    const writer = new RunReportWriter(out);
    const t0 = performance.now();
    await writer.write(data(1));
    const renderMs = performance.now() - t0;
    assert.match(html(), /run-1/);
    const running = writer.write(data(2));
    assert.equal(json(), 'run-2', 'report.json is written at once');
    await new Promise((r) => setTimeout(r, Math.min(renderMs, 200)));
    assert.doesNotMatch(html(), /run-2/, 'a running run is not rendered again right after a render');
    const t1 = performance.now();
    const finished = writer.write({ ...data(3), state: 'finished' });
    assert.equal(finished, running, 'the finished state replaces the one waiting');
    await finished;
    assert.match(html(), /run-3/);
    assert.equal(json(), 'run-3');
    const waited = performance.now() - t1;
    assert.ok(waited < reportRenderGap * renderMs, `the finished report waited ${waited.toFixed(0)} ms (the gap is ${(reportRenderGap * renderMs).toFixed(0)} ms)`);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
