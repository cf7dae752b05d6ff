import { createScheduler } from '../schedulers/create.js';
import type { RungRecord } from '../schedulers/types.js';
import type { StudySpec } from '../spec/schema.js';
import type { MetricRow, TrialRow } from '../storage/types.js';
import { bestSoFarChart, importanceChart, learningCurveChart, objectiveCharts, parallelCoordinatesChart, rungChart, type Chart } from './plots.js';
import { paramColumns } from './rows.js';

/** What a study's charts are drawn from: its spec and what the database holds now. */
export interface StudyChartData {
  spec: StudySpec;
  trials: TrialRow[];
  metrics: MetricRow[];
  rungs: RungRecord[];
}

/**
 * Every chart of a study, keyed by a stable id (the report and the live dashboard draw the same list): best so far,
 * parallel coordinates, parameter importance, learning curves, ASHA's rung decisions (ASHA studies), then the
 * objective against each parameter that varied.
 *
 * @example
 * for (const { id, chart } of studyCharts({ spec, trials, metrics, rungs })) console.log(id, chart.title);
 */
export function studyCharts({ spec, trials, metrics, rungs }: StudyChartData): { id: string; chart: Chart }[] {
  const metric = spec.objective.metric;
  const columns = paramColumns(trials);
  const charts = [
    { id: 'best-so-far', chart: bestSoFarChart(trials, spec.objective) },
    { id: 'parallel', chart: parallelCoordinatesChart(trials, columns, metric) },
    { id: 'importance', chart: importanceChart(trials, columns, metric) },
    { id: 'curves', chart: learningCurveChart(trials, metrics, metric) },
  ];
  if (spec.scheduler.name === 'asha') charts.push({ id: 'rungs', chart: rungChart(trials, rungs, metric, createScheduler(spec).rungEpochs) });
  for (const { path, chart } of objectiveCharts(trials, columns, metric)) charts.push({ id: `objective-${path}`, chart });
  return charts;
}
