import { wholeNumberX, type Chart } from '@tensorfleet/coordinator';
import type { RunReportData } from './run-report-data.js';

/** A vega-lite spec (the coordinator's Chart type names vega-lite's). */
type Spec = NonNullable<Chart['spec']>;
const schema = 'https://vega.github.io/schema/vega-lite/v6.json';
/** Epochs are shown 1-based, as the terminal prints "Epoch 3/10". */
const epochX = wholeNumberX('epoch', 'epoch');
const finite = (v: number | null | undefined): v is number => typeof v === 'number' && Number.isFinite(v);

function seriesChart(title: string, rows: { epoch: number; series: string; value: number }[], y: string, note?: string, log = false): Chart {
  if (rows.length === 0) return { title, spec: null, note: 'no epoch has finished yet' };
  return {
    title,
    ...(note ? { note } : {}),
    spec: {
      $schema: schema, width: 360, height: 220,
      data: { values: rows },
      mark: { type: 'line', point: true },
      encoding: {
        x: epochX,
        y: { field: 'value', type: 'quantitative', title: y, scale: log ? { type: 'log' } : { zero: false } },
        color: { field: 'series', type: 'nominal', title: null },
        tooltip: [{ field: 'series' }, { field: 'epoch' }, { field: 'value', title: y, format: '.4~g' }],
      },
    } as Spec,
  };
}

/**
 * The charts of one run, keyed by a stable id (report.html and the dashboard draw the same list): loss and accuracy
 * (train and validation), learning rate, samples/s, and each worker's compute vs communication ms per step per epoch.
 *
 * @example
 * for (const { id, chart } of runCharts(data)) html += await chartFigure(chart, id);
 */
export function runCharts(data: RunReportData): { id: string; chart: Chart }[] {
  const e = data.epochs;
  const pairs = (train: (l: (typeof e)[number]) => number | null, val: (l: (typeof e)[number]) => number | null) =>
    e.flatMap((l) => [
      ...(finite(train(l)) ? [{ epoch: l.epoch + 1, series: 'train', value: train(l)! }] : []),
      ...(finite(val(l)) ? [{ epoch: l.epoch + 1, series: 'validation', value: val(l)! }] : []),
    ]);
  const workerRows = data.workerEpochs.flatMap((w) => [
    { epoch: w.epoch + 1, worker: `rank ${w.rank} (${w.host})`, kind: 'compute', ms: w.computeMs },
    { epoch: w.epoch + 1, worker: `rank ${w.rank} (${w.host})`, kind: 'communication', ms: w.commMs },
  ]);
  const times: Chart = workerRows.length === 0
    ? { title: 'compute vs communication per worker', spec: null, note: 'no step has been pushed yet' }
    : {
      title: 'compute vs communication per worker',
      note: 'mean ms per step each worker measured, by epoch: solid lines compute (forward/backward), dashed ones communication (push and pull)',
      spec: {
        $schema: schema, width: 360, height: 220,
        data: { values: workerRows },
        mark: { type: 'line', point: true },
        encoding: {
          x: epochX,
          y: { field: 'ms', type: 'quantitative', title: 'ms per step' },
          color: { field: 'worker', type: 'nominal', title: null },
          // The browser draws a line-with-points legend symbol without its dash, so the note says which is which.
          strokeDash: { field: 'kind', type: 'nominal', legend: null, scale: { domain: ['compute', 'communication'], range: [[1, 0], [5, 3]] } },
          tooltip: [{ field: 'worker' }, { field: 'kind' }, { field: 'epoch' }, { field: 'ms', format: '.1f' }],
        },
      } as Spec,
    };
  return [
    { id: 'loss', chart: seriesChart('loss', pairs((l) => l.loss, (l) => l.valLoss), 'loss') },
    { id: 'accuracy', chart: seriesChart('accuracy', pairs((l) => l.accuracy, (l) => l.valAccuracy), 'top-1 accuracy', 'train: training mode (dropout on), over the epoch; validation: after it') },
    { id: 'lr', chart: seriesChart('learning rate', e.filter((l) => finite(l.lr)).map((l) => ({ epoch: l.epoch + 1, series: 'lr', value: l.lr })), 'lr', 'the rate used during each epoch', true) },
    { id: 'throughput', chart: seriesChart('samples/s', e.filter((l) => finite(l.samplesPerSec)).map((l) => ({ epoch: l.epoch + 1, series: 'all workers', value: l.samplesPerSec })), 'training samples/s') },
    { id: 'worker-times', chart: times },
  ];
}
