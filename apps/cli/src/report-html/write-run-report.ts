import { join } from 'node:path';
import { runFiles, type EpochLine } from '@tensorfleet/protocol';
import type { ParameterServerHandle, TrainingSummary } from '@tensorfleet/ps';
import { writeFileAtomic } from '../commands/write-file-atomic.js';
import { runCharts } from './run-charts.js';
import type { RunReportData } from './run-report-data.js';

const pageStyles = [
  'body{font-family:system-ui,sans-serif;margin:2em;max-width:1250px;color:#222}',
  'table{border-collapse:collapse;font-size:0.85em;margin:0.5em 0} td,th{border:1px solid #ccc;padding:2px 8px;text-align:left}',
  'pre{background:#f6f6f6;padding:0.8em;font-size:0.8em;max-height:28em;overflow:auto}',
  'h1 .state{font-size:0.55em;font-weight:normal;color:#666;margin-left:0.6em}',
].join('\n');

const pct = (v: number | null | undefined) => (typeof v === 'number' && Number.isFinite(v) ? `${(v * 100).toFixed(2)}%` : '–');

/** The environment and headline numbers as a two-column table. */
function facts(data: RunReportData, escapeHtml: (s: string) => string): string {
  const last = data.epochs.at(-1);
  const rows: [string, string][] = [
    ['run', data.runId],
    ['state', data.state],
    ['epochs', `${data.epochs.length} of ${String(data.config.epochs ?? '?')}`],
    ['backend', data.environment.backend],
    ['workers', `${data.environment.workers} (${data.environment.consistency})`],
    ['hosts', data.environment.hosts.join(', ') || '–'],
    ['validation accuracy', pct(last?.valAccuracy)],
    ['test accuracy', pct(data.test?.top1)],
    ['node', `${data.environment.node} on ${data.environment.platform}`],
    ['started', new Date(data.environment.startedAt).toISOString()],
  ];
  return `<table>${rows.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('')}</table>`;
}

/**
 * OUT/report.html: the run's charts ({@link runCharts}), environment and config, one self-contained file (the vega
 * runtime inlined, the SVG pre-rendered) that opens offline.
 *
 * @example
 * writeFileSync('report.html', await runReportHtml(data));
 */
export async function runReportHtml(data: RunReportData): Promise<string> {
  // Loaded at the first render, not with the train command: vega and yaml took 0.7 s of the PS's start-up, before
  // it could listen and the workers could start.
  const [{ chartFigure, chartRuntime, chartStyles, escapeHtml }, { stringify: toYaml }] = await Promise.all([import('@tensorfleet/coordinator/charts'), import('yaml')]);
  const figures = await Promise.all(runCharts(data).map(({ id, chart }) => chartFigure(chart, id)));
  return [
    '<!doctype html><html><head><meta charset="utf-8">',
    `<title>tensorfleet run ${escapeHtml(data.runId)}</title>`,
    `<style>${pageStyles}\n${chartStyles}</style></head><body>`,
    `<h1>Run ${escapeHtml(data.runId)}<span class="state">${escapeHtml(data.state)}, updated ${escapeHtml(new Date(data.updatedAt).toISOString())}</span></h1>`,
    facts(data, escapeHtml),
    ...figures,
    '<h2>Config</h2>',
    `<pre>${escapeHtml(toYaml(data.config))}</pre>`,
    chartRuntime(),
    '</body></html>',
  ].join('\n');
}

/**
 * A running run's report.html is rendered again only after this many times its last render took: rendering (vega
 * to SVG) runs on the PS's event loop, so this keeps it to under a tenth of the PS's time however short the epochs.
 */
export const reportRenderGap = 10;

/**
 * Writes OUT/report.json and OUT/report.html, each atomically. report.json is written at once on every call (it is
 * small and cheap). report.html is rendered one at a time, so a slow render never lets an older state overwrite a newer
 * one; while the run is going on, a render starts at the earliest {@link reportRenderGap} times the last render's
 * duration after it, and every state asked for meanwhile replaces the one waiting (each report is a whole snapshot), so
 * neither renders nor snapshots pile up. A finished or failed run's report renders as soon as the one in progress ends.
 * The promise resolves once report.html shows this state or a newer one.
 *
 * @example
 * const reporter = new RunReportWriter(out);
 * await reporter.write(data); // at every epoch end and once at the end
 */
export class RunReportWriter {
  private queue: Promise<void> = Promise.resolve();
  /** The render that has not started yet: the newest state asked for, the promise its callers hold, its wake-up. */
  private waiting: { data: RunReportData; done: Promise<void>; wake: () => void } | null = null;
  /** performance.now() before which a running run's report.html is not rendered again. */
  private renderDueAt = 0;

  constructor(private readonly out: string) {}

  write(data: RunReportData): Promise<void> {
    try {
      writeFileAtomic(join(this.out, runFiles.reportData), `${JSON.stringify(data)}\n`);
    } catch (err) {
      return Promise.reject(err); // a full disk: the caller warns; the next write tries again
    }
    if (this.waiting) {
      this.waiting.data = data;
      if (data.state !== 'running') this.waiting.wake();
      return this.waiting.done;
    }
    const next = { data, done: Promise.resolve(), wake: () => {} };
    next.done = this.queue.then(async () => {
      const wait = this.renderDueAt - performance.now();
      if (next.data.state === 'running' && wait > 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, wait); // bounded (a multiple of one render); finish() wakes it at once
          next.wake = () => (clearTimeout(timer), resolve());
        });
      }
      if (this.waiting === next) this.waiting = null; // from here on, a newer state waits for this render
      const t0 = performance.now();
      writeFileAtomic(join(this.out, runFiles.report), await runReportHtml(next.data));
      const end = performance.now();
      this.renderDueAt = end + reportRenderGap * (end - t0);
    });
    this.waiting = next;
    this.queue = next.done.catch(() => {}); // a failed write (a full disk) must not stop the next one
    return next.done;
  }
}

/**
 * Keeps a run's report current: a new report at every epoch end, and a last one when the run ends (with the test
 * results, or marked failed). Reads the PS's per-worker state through its handle.
 *
 * @example
 * const report = new LiveRunReport(out, { config, backend: 'wasm' });
 * const ps = await startParameterServer({ ...options, onEpoch: (line) => void report.epoch(line) });
 * report.attach(ps);
 * await report.finish(await ps.done);
 */
export class LiveRunReport {
  private readonly writer: RunReportWriter;
  private ps: ParameterServerHandle | null = null;
  private readonly epochs: EpochLine[] = [];
  private readonly startedAt = Date.now();

  constructor(out: string, private readonly run: { config: Record<string, unknown>; backend: string; psUrl?: string }) {
    this.writer = new RunReportWriter(out);
  }

  attach(ps: ParameterServerHandle): void {
    this.ps = ps;
    void this.write('running', null);
  }

  epoch(line: EpochLine): Promise<void> {
    this.epochs.push(line);
    return this.write('running', null);
  }

  finish(result: TrainingSummary | null): Promise<void> {
    return this.write(result ? 'finished' : 'failed', result?.test ?? null);
  }

  private write(state: RunReportData['state'], test: RunReportData['test']): Promise<void> {
    const ps = this.ps;
    if (!ps) return Promise.resolve();
    const workers = ps.workers();
    const data: RunReportData = {
      runId: ps.runId, config: this.run.config,
      environment: {
        backend: this.run.backend, workers: Number(this.run.config.workers ?? workers.length), hosts: [...new Set(workers.map((w) => w.host))],
        consistency: String(this.run.config.consistency ?? 'sync'), psUrl: ps.url, metricsUrl: ps.metricsUrl,
        node: process.version, platform: `${process.platform}-${process.arch}`, startedAt: this.startedAt,
      },
      epochs: [...this.epochs], workerEpochs: ps.workerEpochs(), workers, test: test ? { loss: test.loss, top1: test.top1, top5: test.top5 } : null,
      state, updatedAt: Date.now(),
    };
    return this.writer.write(data);
  }
}
