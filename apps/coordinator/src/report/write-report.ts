import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StudySpec } from '../spec/schema.js';
import { SqliteStudyStore } from '../storage/sqlite-store.js';
import type { StudyStore } from '../storage/store.js';
import type { StudyRow } from '../storage/types.js';
import { studyLayout } from '../study/layout.js';
import { bestConfigYaml } from './best-config.js';
import { chartFigure, chartRuntime, chartStyles, escapeHtml } from './chart-html.js';
import { paramColumns, reportRows } from './rows.js';
import { studyCharts } from './study-charts.js';
import { csvTable, markdownTable } from './tables.js';

/** The files a report writes. */
export interface ReportFiles {
  markdown: string;
  csv: string;
  html: string;
  /** Null when no trial has a result yet. */
  bestConfig: string | null;
}

/**
 * Writes a study's report into `outDir` (default `<study folder>/report`): report.md and trials.csv (the lecture-style
 * table sorted by the objective), best-config.yaml when a trial has a result, and report.html with the charts of
 * {@link studyCharts} (rendered to SVG here, redrawn with hover tooltips by the inlined vega runtime: one file that
 * opens offline).
 *
 * @example
 * const files = await writeReport({ storage: 'runs/hpo/studies.sqlite', study: 'regularization-sweep' });
 */
export async function writeReport(options: { storage: string; study: string; outDir?: string }): Promise<ReportFiles> {
  const store = new SqliteStudyStore(options.storage, { readonly: true });
  try {
    const study = store.requireStudy(options.study);
    return await writeStudyReport(store, study, options.outDir ?? studyLayout.reportDir(study.outDir));
  } finally {
    store.close();
  }
}

async function writeStudyReport(store: StudyStore, study: StudyRow, outDir: string): Promise<ReportFiles> {
  const spec = study.spec as StudySpec;
  const metric = spec.objective.metric;
  const trials = store.trials(study.id);
  const metrics = store.metrics(study.id);
  const rungs = store.rungs(study.id);
  const columns = paramColumns(trials);
  const rows = reportRows(trials, metrics, spec.objective);
  mkdirSync(outDir, { recursive: true });

  const states: Record<string, number> = {};
  for (const t of trials) states[t.state] = (states[t.state] ?? 0) + 1;
  const epochsSpent = trials.reduce((s, t) => s + t.epochs, 0);
  const best = rows[0]?.objective !== null ? rows[0] : undefined;
  const bestConfig = bestConfigYaml(rows, trials, study.name, metric);
  const summary = [
    `# Study ${study.name}`,
    '',
    spec.description ? `${spec.description}\n` : '',
    `- searcher: ${spec.searcher} (seed ${spec.seed}); scheduler: ${spec.scheduler.name}${spec.scheduler.name === 'asha' ? ` (η=${spec.scheduler.reductionFactor}, min ${spec.scheduler.minEpochs} epochs)` : ''}`,
    `- objective: ${spec.objective.mode} ${metric}; budget: ${study.trialsPlanned} trials, ≤ ${spec.budget.maxEpochs} epochs each, ≤ ${spec.budget.maxConcurrent} at once`,
    `- trials: ${Object.entries(states).map(([k, v]) => `${v} ${k}`).join(', ')}; epochs spent: ${epochsSpent} of ${study.trialsPlanned * spec.budget.maxEpochs} a FIFO search would spend`,
    best ? `- best: trial ${best.trial}, ${metric} = ${Number(best.objective!.toPrecision(4))} (${best.state}, ${best.epochs} epochs)` : '- best: none yet',
    '',
    'Rows are sorted by the objective; top-1/top-5 are validation accuracies at the trial\'s last epoch; lr is its last lr.',
    '',
  ].join('\n');
  const links = ['[trials.csv](trials.csv)', ...(bestConfig ? ['[best-config.yaml](best-config.yaml)'] : []), '[report.html](report.html)'];
  const markdown = `${summary}\n${markdownTable(rows, columns, metric)}\nFiles: ${links.join(', ')}\n`;

  const figures = await Promise.all(studyCharts({ spec, trials, metrics, rungs }).map(({ id, chart }) => chartFigure(chart, id)));
  const html = [
    '<!doctype html><html><head><meta charset="utf-8">',
    `<title>Study ${escapeHtml(study.name)}</title>`,
    '<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:1200px}',
    'table{border-collapse:collapse;font-size:0.85em} td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}',
    chartStyles,
    '</style></head><body>',
    `<h1>Study ${escapeHtml(study.name)}</h1>`,
    `<p>${escapeHtml(summary.split('\n').filter((l) => l.startsWith('- ')).map((l) => l.slice(2)).join(' · '))}</p>`,
    ...figures,
    '<h2>Trials</h2>',
    htmlTable(markdownTable(rows, columns, metric)),
    chartRuntime(),
    '</body></html>',
  ].join('\n');

  const files: ReportFiles = {
    markdown: join(outDir, 'report.md'),
    csv: join(outDir, 'trials.csv'),
    html: join(outDir, 'report.html'),
    bestConfig: bestConfig ? join(outDir, 'best-config.yaml') : null,
  };
  writeFileSync(files.markdown, markdown);
  writeFileSync(files.csv, csvTable(rows, columns));
  writeFileSync(files.html, html);
  if (bestConfig && files.bestConfig) writeFileSync(files.bestConfig, bestConfig);
  return files;
}

function htmlTable(markdown: string): string {
  const lines = markdown.trim().split('\n').filter((_, i) => i !== 1);
  const cells = (line: string) => line.slice(2, -2).split(' | ').map((c) => escapeHtml(c.replace(/\\\|/g, '|')));
  const [head, ...body] = lines;
  return `<table><tr>${cells(head!).map((c) => `<th>${c}</th>`).join('')}</tr>\n${body.map((l) => `<tr>${cells(l).map((c) => `<td>${c}</td>`).join('')}</tr>`).join('\n')}</table>`;
}
