import { wholeNumberX, type Chart } from '@tensorfleet/coordinator/plots'; // not the package index: no vega, SQLite or Kubernetes client in the train command
import type { EpochLine } from '@tensorfleet/protocol';
import { bucketByEpoch, epochBucketWidth } from '@tensorfleet/ps';
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

/** Past this many workers the chart draws their spread (fastest, mean, slowest) instead of a line per worker. */
const maxWorkerLines = 8;

/** Per epoch bucket and kind, the workers' fastest, mean and slowest ms per step: three lines however many workers. */
function spreadRows(times: RunReportData['workerEpochs']): { epoch: number; worker: string; kind: string; ms: number }[] {
  const epochs = times.reduce((n, t) => Math.max(n, t.lastEpoch + 1), 0);
  return bucketByEpoch(times, (t) => t.epoch, epochs).flatMap((at) =>
    (['compute', 'communication'] as const).flatMap((kind) => {
      const lastEpoch = Math.max(...at.map((t) => t.lastEpoch));
      const ms = at.map((t) => (kind === 'compute' ? t.computeMs : t.commMs));
      const spread = { 'fastest worker': Math.min(...ms), 'mean of the workers': ms.reduce((a, b) => a + b, 0) / ms.length, 'slowest worker': Math.max(...ms) };
      return Object.entries(spread).map(([worker, value]) => ({ epoch: lastEpoch + 1, worker, kind, ms: value }));
    }));
}

/**
 * The charts of one run, keyed by a stable id (report.html and the dashboard draw the same list): loss and accuracy
 * (train and validation), learning rate, samples/s, and each worker's compute vs communication ms per step per epoch.
 *
 * @example
 * for (const { id, chart } of runCharts(data)) html += await chartFigure(chart, id);
 */
export function runCharts(data: RunReportData): { id: string; chart: Chart }[] {
  // One point per epoch, or per bucket of epochs in a long run (drawn at the bucket's last epoch): a bounded chart.
  const e = bucketByEpoch(data.epochs, (l) => l.epoch, data.epochs.length).map((bucket) => {
    const mean = (of: (l: EpochLine) => number | null) => {
      const values = bucket.map(of).filter(finite);
      return values.length ? values.reduce((a, b) => a + b, 0) / values.length : null;
    };
    return { epoch: bucket.at(-1)!.epoch, loss: mean((l) => l.loss), valLoss: mean((l) => l.valLoss), accuracy: mean((l) => l.accuracy),
      valAccuracy: mean((l) => l.valAccuracy), lr: mean((l) => l.lr), samplesPerSec: mean((l) => l.samplesPerSec) };
  });
  const pairs = (train: (l: (typeof e)[number]) => number | null, val: (l: (typeof e)[number]) => number | null) =>
    e.flatMap((l) => [
      ...(finite(train(l)) ? [{ epoch: l.epoch + 1, series: 'train', value: train(l)! }] : []),
      ...(finite(val(l)) ? [{ epoch: l.epoch + 1, series: 'validation', value: val(l)! }] : []),
    ]);
  const ranks = new Set(data.workerEpochs.map((w) => w.rank)).size;
  const workerRows = ranks > maxWorkerLines ? spreadRows(data.workerEpochs) : data.workerEpochs.flatMap((w) => [
    { epoch: w.lastEpoch + 1, worker: `rank ${w.rank} (${w.host})`, kind: 'compute', ms: w.computeMs },
    { epoch: w.lastEpoch + 1, worker: `rank ${w.rank} (${w.host})`, kind: 'communication', ms: w.commMs },
  ]);
  const times: Chart = workerRows.length === 0
    ? { title: 'compute vs communication per worker', spec: null, note: 'no step has been pushed yet' }
    : {
      title: 'compute vs communication per worker',
      note: `mean ms per step ${ranks > maxWorkerLines ? `over the ${ranks} workers, with the slowest and the fastest one,` : 'each worker measured,'} by epoch: solid lines compute (forward/backward), dashed ones communication (push and pull)`,
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
  const charts = [
    { id: 'loss', chart: seriesChart('loss', pairs((l) => l.loss, (l) => l.valLoss), 'loss') },
    { id: 'accuracy', chart: seriesChart('accuracy', pairs((l) => l.accuracy, (l) => l.valAccuracy), 'top-1 accuracy', 'train: training mode (dropout on), over the epoch; validation: after it') },
    { id: 'lr', chart: seriesChart('learning rate', e.flatMap((l) => (finite(l.lr) ? [{ epoch: l.epoch + 1, series: 'lr', value: l.lr }] : [])), 'lr', 'the rate used during each epoch', true) },
    { id: 'throughput', chart: seriesChart('samples/s', e.flatMap((l) => (finite(l.samplesPerSec) ? [{ epoch: l.epoch + 1, series: 'all workers', value: l.samplesPerSec }] : [])), 'training samples/s') },
    { id: 'worker-times', chart: times },
  ];
  const width = epochBucketWidth(data.workerEpochs.reduce((n, w) => Math.max(n, w.lastEpoch + 1), data.epochs.length));
  if (width === 1) return charts;
  const bucketed = `each point is the mean over up to ${width} epochs, drawn at the last of them`;
  return charts.map(({ id, chart }) => ({ id, chart: chart.spec ? { ...chart, note: chart.note ? `${chart.note}; ${bucketed}` : bucketed } : chart }));
}
