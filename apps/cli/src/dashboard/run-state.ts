import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { chartPayload } from '@tensorfleet/coordinator';
import { runFiles, type RunSummary } from '@tensorfleet/protocol';
import { psMetricNames } from '@tensorfleet/ps';
import { runCharts } from '../report-html/run-charts.js';
import type { RunReportData } from '../report-html/run-report-data.js';
import { parsePrometheusText, type PromFamily } from './prometheus-text.js';
import type { DashboardState, WorkerRow } from './state.js';

const readJson = <T>(path: string): T | null => {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch {
    return null; // absent, or being replaced right now (atomic renames make the next read whole)
  }
};

/** pino's level numbers: 40 warn, 50 error, 60 fatal. */
const levelNames: Record<number, string> = { 40: 'warn', 50: 'error', 60: 'fatal' };

/**
 * The newest warnings and errors of OUT/log.jsonl (every role's lines), read from its last 256 KiB only, so a long
 * run's log costs the same as a short one's. None when there is no log file.
 */
export function recentAlerts(path: string, keep = 8): string[] {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return [];
  }
  try {
    const size = fstatSync(fd).size;
    const length = Math.min(size, 256 * 1024);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, size - length);
    const lines = buffer.toString('utf8').split('\n').slice(size > length ? 1 : 0); // the first may be cut
    const alerts: string[] = [];
    for (const line of lines) {
      if (!line.startsWith('{')) continue;
      let record: Record<string, unknown>;
      try {
        record = JSON.parse(line) as Record<string, unknown>;
      } catch {
        continue; // a line being written right now
      }
      const level = Number(record.level);
      if (!(level >= 40)) continue;
      const who = [record.role, record.rank !== undefined ? `rank ${String(record.rank)}` : record.name].filter(Boolean).join(' ');
      const time = typeof record.time === 'number' ? new Date(record.time).toISOString().slice(11, 19) : '';
      alerts.push(`${time} ${levelNames[level] ?? level} ${who}: ${String(record.msg ?? '')}${record.err ? ` (${String(record.err)})` : ''}`.trim());
    }
    return alerts.slice(-keep);
  } finally {
    closeSync(fd);
  }
}

/** The PS's live numbers from its /metrics, or null when it is not answering (not started, or over). */
async function scrape(url: string): Promise<Map<string, PromFamily> | null> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1500) });
    return res.ok ? parsePrometheusText(await res.text()) : null;
  } catch {
    return null;
  }
}

function liveWorkers(families: Map<string, PromFamily>): WorkerRow[] {
  const series = (name: string) => families.get(name)?.samples ?? [];
  const of = (name: string, rank: string) => series(name).find((s) => s.labels.rank === rank)?.value ?? null;
  return series(psMetricNames.workerStep)
    .map((s) => {
      const rank = s.labels.rank!;
      const heard = of(psMetricNames.workerLastHeard, rank);
      return {
        rank: Number(rank), worker: s.labels.worker ?? '', host: s.labels.host ?? '', step: s.value,
        heardAgo: heard === null ? null : Math.max(0, Date.now() / 1000 - heard),
        computeMs: of(psMetricNames.workerComputeMs, rank), lateMs: of(psMetricNames.workerLateMs, rank),
        staleness: of(psMetricNames.workerStaleness, rank), straggler: of(psMetricNames.workerStraggler, rank) === 1,
      };
    })
    .sort((a, b) => a.rank - b.rank);
}

/** A run folder written before report.json existed: its summary's history is all there is. */
function fromSummary(summary: RunSummary): RunReportData {
  return {
    runId: summary.run ?? '', config: {},
    environment: { backend: summary.backend, workers: summary.workers, hosts: [], consistency: '', psUrl: '', metricsUrl: null, node: '', platform: '', startedAt: 0 },
    epochs: summary.history.map((h) => ({ ...h, epochs: summary.epochs, step: 0, steps: 0, nextLr: h.lr, computeMs: h.computeMsPerStep, commMs: h.commMsPerStep, consistency: '', samples: 0, updates: 0, stalenessMax: 0, stalenessMean: 0 })),
    workerEpochs: [], workers: [], test: summary.testAccuracy === null ? null : { loss: summary.testLoss ?? Number.NaN, top1: summary.testAccuracy, top5: summary.testTop5 ?? Number.NaN },
    state: 'finished', updatedAt: 0,
  };
}

const pct = (v: number | null | undefined) => (typeof v === 'number' && Number.isFinite(v) ? `${(v * 100).toFixed(2)}%` : '–');

/**
 * A run's dashboard state from its folder: OUT/report.json (rewritten at every epoch end) for the charts, and while it
 * trains the PS's /metrics (its URL is in report.json) for the live step and the workers.
 *
 * @example
 * const state = await runState('runs/latest');
 */
export async function runState(dir: string): Promise<DashboardState> {
  const summary = readJson<RunSummary>(join(dir, runFiles.summary));
  const data = readJson<RunReportData>(join(dir, runFiles.reportData)) ?? (summary ? fromSummary(summary) : null);
  if (!data) {
    return {
      kind: 'run', title: `Run in ${dir}`, status: `waiting: no ${runFiles.reportData} in ${dir} yet (it appears once the parameter server listens)`,
      step: null, facts: [], workers: null, trials: null, alerts: recentAlerts(join(dir, runFiles.log)), charts: [],
    };
  }
  const live = data.state === 'running' && data.environment.metricsUrl ? await scrape(data.environment.metricsUrl) : null;
  const value = (name: string) => live?.get(name)?.samples[0]?.value;
  const last = data.epochs.at(-1);
  const step = value(psMetricNames.step) ?? last?.step ?? null;
  const planned = Number(data.config.epochs ?? last?.epochs ?? 0);
  const done = data.epochs.length;
  const workers: WorkerRow[] = live
    ? liveWorkers(live)
    : data.workers.filter((w) => w.connected).map((w) => ({
      rank: w.rank, worker: w.name, host: w.host, step: w.step, heardAgo: (Date.now() - w.lastHeard) / 1000,
      computeMs: w.computeMs, lateMs: w.lateMs, staleness: w.staleness, straggler: w.straggler,
    }));
  const status = data.state === 'running'
    ? `training: epoch ${Math.min(done + 1, planned || done + 1)} of ${planned || '?'}, step ${step ?? '?'}${live ? '' : ' (the parameter server\'s /metrics is not answering)'}`
    : data.state === 'finished' ? `finished: ${done} epochs, test accuracy ${pct(data.test?.top1)}` : `failed after ${done} epochs`;
  return {
    kind: 'run', title: `Run ${data.runId}`, status, step,
    facts: [
      ['backend', data.environment.backend], ['workers', `${data.environment.workers} ${data.environment.consistency}`.trim()],
      ['hosts', data.environment.hosts.join(', ') || '–'], ['loss (last step)', live ? String(Number((value(psMetricNames.stepLoss) ?? Number.NaN).toPrecision(4))) : '–'],
      ['samples/s', live ? String(Math.round(value(psMetricNames.samplesPerSecond) ?? 0)) : last ? String(Math.round(last.samplesPerSec)) : '–'],
      ['validation accuracy', pct(last?.valAccuracy)], ['test accuracy', pct(data.test?.top1)], ['folder', dir],
    ],
    workers, trials: null, alerts: recentAlerts(join(dir, runFiles.log)),
    charts: runCharts(data).map(({ id, chart }) => chartPayload(chart, id)),
  };
}
