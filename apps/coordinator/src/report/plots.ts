import type { TopLevelSpec } from 'vega-lite';
import type { RungRecord } from '../schedulers/types.js';
import type { Objective } from '../spec/schema.js';
import type { MetricRow, TrialRow } from '../storage/types.js';
import { formatParam } from './format.js';
import { importanceBasis, parameterImportance, scoredTrials } from './importance.js';
import type { ParamColumn } from './rows.js';

/**
 * A titled vega-lite chart. The title is the figure's caption, so specs carry none of their own (it would be printed
 * twice). A chart with nothing to draw has `spec: null` and a `note` saying why, instead of an empty frame.
 */
export interface Chart {
  title: string;
  spec: TopLevelSpec | null;
  /** A line under the title: what the chart measures, or why it is empty. */
  note?: string;
}

const schema = 'https://vega.github.io/schema/vega-lite/v6.json';
const stateColors = {
  domain: ['completed', 'stopped', 'running', 'pending', 'crashed', 'failed'],
  range: ['#1f77b4', '#9ecae1', '#2ca02c', '#bbbbbb', '#d62728', '#7f7f7f'],
};
/**
 * An x axis of whole numbers (epochs, counts) as an ordinal scale: a tick and label at each value. A quantitative
 * axis prints a lone epoch as "1.000000", and in the browser puts ticks at halves ("1 2 2 3") whatever tickMinStep says.
 */
export function wholeNumberX(field: string, title: string): Record<string, unknown> {
  return { field, type: 'ordinal', title, axis: { labelAngle: 0, labelOverlap: true } };
}
const isNumericColumn = (column: ParamColumn, values: unknown[]) =>
  column.kind !== 'choice' && column.kind !== 'grid' && values.every((v) => typeof v === 'number');
const paramValue = (t: TrialRow, path: string) => t.params.find((p) => p.name === path)?.value;

/** The columns worth a chart: parameters that took at least two values among the trials that have them. */
export function variedColumns(trials: TrialRow[], columns: ParamColumn[]): ParamColumn[] {
  return columns.filter((c) => new Set(trials.map((t) => paramValue(t, c.path)).filter((v) => v !== undefined).map((v) => JSON.stringify(v))).size > 1);
}

/**
 * Objective against each hyper-parameter that varied among the trials with a result (a log axis for loguniform ones, categories for choices), one
 * point per trial with a result, coloured by how the trial ended. A parameter only some trials have (momentum under
 * the SGD branch of an optimizer choice) is plotted for those trials, and the caption says how many.
 */
export function objectiveCharts(trials: TrialRow[], columns: ParamColumn[], metric: string): { path: string; chart: Chart }[] {
  const scored = scoredTrials(trials);
  return variedColumns(scored, columns).map((column) => {
    const having = scored.filter((t) => paramValue(t, column.path) !== undefined);
    const numeric = isNumericColumn(column, having.map((t) => paramValue(t, column.path)));
    const data = having.map((t) => {
      const value = paramValue(t, column.path);
      return { trial: t.number, state: t.state, epochs: t.epochs, objective: t.objective, value: numeric ? value : formatParam(value, column.kind) };
    });
    const chart: Chart = {
      title: `${metric} vs ${column.path}`,
      ...(having.length < scored.length ? { note: `${having.length} of ${scored.length} trials with a result have ${column.path}` } : {}),
      spec: {
        $schema: schema, width: 320, height: 220,
        data: { values: data },
        mark: { type: 'point', filled: true, size: 70 },
        encoding: {
          x: numeric
            ? { field: 'value', type: 'quantitative', title: column.path, scale: column.kind === 'loguniform' ? { type: 'log' } : { zero: false } }
            : { field: 'value', type: 'nominal', title: column.path, axis: { labelAngle: 0 } },
          y: { field: 'objective', type: 'quantitative', title: metric, scale: { zero: false } },
          color: { field: 'state', type: 'nominal', scale: stateColors },
          tooltip: [{ field: 'trial' }, { field: 'value', title: column.path, ...(numeric ? { format: '.3~g' } : {}) }, { field: 'objective', title: metric, format: '.4~g' }, { field: 'epochs' }, { field: 'state' }],
        },
      } as TopLevelSpec,
    };
    return { path: column.path, chart };
  });
}

/**
 * The objective metric per epoch for every trial (the learning curves), coloured by how the trial ended, each curve
 * labelled with its trial number at its last epoch.
 */
export function learningCurveChart(trials: TrialRow[], metrics: MetricRow[], metric: string): Chart {
  const byId = new Map(trials.map((t) => [t.id, t]));
  const data = metrics
    .filter((m) => Number.isFinite(m.metrics[metric]) && byId.has(m.trialId))
    .map((m) => ({ trial: byId.get(m.trialId)!.number, label: `#${byId.get(m.trialId)!.number}`, state: byId.get(m.trialId)!.state, epoch: m.epoch, value: m.metrics[metric] }));
  if (data.length === 0) return { title: `learning curves: ${metric} per epoch`, spec: null, note: 'no trial has finished an epoch yet' };
  const encoding = {
    x: wholeNumberX('epoch', 'epoch'),
    y: { field: 'value', type: 'quantitative', title: metric, scale: { zero: false } },
    color: { field: 'state', type: 'nominal', scale: stateColors },
  };
  return {
    title: `learning curves: ${metric} per epoch`,
    spec: {
      $schema: schema, width: 520, height: 300,
      data: { values: data },
      encoding,
      layer: [
        {
          mark: { type: 'line', point: true, strokeWidth: 1.5 },
          encoding: { detail: { field: 'trial', type: 'nominal' }, tooltip: [{ field: 'trial' }, { field: 'epoch' }, { field: 'value', title: metric, format: '.4~g' }, { field: 'state' }] },
        },
        {
          transform: [{ joinaggregate: [{ op: 'max', field: 'epoch', as: 'lastEpoch' }], groupby: ['trial'] }, { filter: 'datum.epoch === datum.lastEpoch' }],
          mark: { type: 'text', align: 'left', dx: 5, fontSize: 10 },
          encoding: { text: { field: 'label' } },
        },
      ],
    } as TopLevelSpec,
  };
}

/**
 * ASHA's decisions: each trial's value at each rung, coloured by whether it went on or was stopped. Before any trial
 * reaches the first rung there is nothing to draw, and the note says when the first decision comes.
 */
export function rungChart(trials: TrialRow[], rungs: RungRecord[], metric: string, rungEpochs: readonly number[]): Chart {
  const byId = new Map(trials.map((t) => [t.id, t.number]));
  const data = rungs
    .filter((r) => Number.isFinite(r.value))
    .map((r, order) => ({ order, trial: byId.get(r.trialId) ?? -1, rung: `rung ${r.rung} (epoch ${r.epoch})`, value: r.value, decision: r.decision, rank: `${r.rank}/${r.seen} (keep ${r.keep})` }));
  const title = 'ASHA rung decisions';
  if (data.length === 0) {
    const when = rungEpochs.length ? `the first rung is at epoch ${rungEpochs[0]}` : 'this budget leaves ASHA no rung before the last epoch';
    return { title, spec: null, note: `no decision yet: no trial has reached a rung (${when})` };
  }
  return {
    title,
    note: `${metric} of each trial as it reached a rung, in arrival order; the top 1/η go on`,
    spec: {
      $schema: schema, width: 520, height: 300,
      data: { values: data },
      mark: { type: 'point', filled: true, size: 80 },
      encoding: {
        x: wholeNumberX('order', 'arrival at a rung'),
        y: { field: 'value', type: 'quantitative', title: metric, scale: { zero: false } },
        color: { field: 'decision', type: 'nominal', scale: { domain: ['continue', 'stop'], range: ['#2ca02c', '#d62728'] } },
        shape: { field: 'rung', type: 'nominal' },
        tooltip: [{ field: 'trial' }, { field: 'rung' }, { field: 'value', title: metric, format: '.4~g' }, { field: 'decision' }, { field: 'rank' }],
      },
    } as TopLevelSpec,
  };
}

/** Each finished trial's objective in the order trials finished, with the best value so far as a step line. */
export function bestSoFarChart(trials: TrialRow[], objective: Objective): Chart {
  const finished = scoredTrials(trials)
    .filter((t) => t.finishedAt !== null)
    .sort((a, b) => a.finishedAt! - b.finishedAt! || a.number - b.number);
  const title = `best ${objective.metric} so far`;
  if (finished.length === 0) return { title, spec: null, note: 'no trial has finished yet' };
  let best = objective.mode === 'max' ? -Infinity : Infinity;
  const data = finished.map((t, i) => {
    best = objective.mode === 'max' ? Math.max(best, t.objective!) : Math.min(best, t.objective!);
    return { finished: i + 1, trial: t.number, state: t.state, objective: t.objective, best };
  });
  return {
    title,
    note: `trials in the order they finished (${objective.mode} ${objective.metric})`,
    spec: {
      $schema: schema, width: 520, height: 260,
      data: { values: data },
      encoding: { x: wholeNumberX('finished', 'trials finished') },
      layer: [
        { mark: { type: 'line', interpolate: 'step-after', color: '#ff7f0e', strokeWidth: 2 }, encoding: { y: { field: 'best', type: 'quantitative', title: objective.metric, scale: { zero: false } } } },
        {
          mark: { type: 'point', filled: true, size: 60 },
          encoding: {
            y: { field: 'objective', type: 'quantitative' },
            color: { field: 'state', type: 'nominal', scale: stateColors },
            tooltip: [{ field: 'trial' }, { field: 'objective', title: objective.metric, format: '.4~g' }, { field: 'best', title: 'best so far', format: '.4~g' }, { field: 'state' }],
          },
        },
      ],
    } as TopLevelSpec,
  };
}

/**
 * Parallel coordinates: one line per trial with a result across every varied parameter and the objective, each axis
 * scaled to its own range (log for loguniform parameters, evenly spaced categories for choices), coloured by the
 * objective. Axis ends are labelled with their values.
 */
export function parallelCoordinatesChart(trials: TrialRow[], columns: ParamColumn[], metric: string): Chart {
  const scored = scoredTrials(trials);
  const title = 'parallel coordinates';
  const axes = variedColumns(scored, columns);
  if (scored.length === 0 || axes.length === 0) return { title, spec: null, note: scored.length ? 'no parameter took two values yet' : 'no trial has a result yet' };
  const lines: Record<string, unknown>[] = [];
  const labels: Record<string, unknown>[] = [];
  const addAxis = (axis: string, values: { trial: TrialRow; value: unknown }[], kind: string) => {
    const numeric = isNumericColumn({ path: axis, header: axis, kind }, values.map((v) => v.value));
    let position: (v: unknown) => number;
    if (numeric) {
      const scale = (v: number) => (kind === 'loguniform' && v > 0 ? Math.log10(v) : v);
      const nums = values.map((v) => scale(v.value as number));
      const lo = Math.min(...nums), hi = Math.max(...nums);
      position = (v) => (hi > lo ? (scale(v as number) - lo) / (hi - lo) : 0.5);
      const raw = values.map((v) => v.value as number);
      labels.push({ axis, y: 0, label: formatParam(Math.min(...raw), kind) }, { axis, y: 1, label: formatParam(Math.max(...raw), kind) });
    } else {
      const categories = [...new Set(values.map((v) => formatParam(v.value, kind)))].sort();
      const at = (label: string) => (categories.length > 1 ? categories.indexOf(label) / (categories.length - 1) : 0.5);
      position = (v) => at(formatParam(v, kind));
      categories.forEach((label) => labels.push({ axis, y: at(label), label }));
    }
    for (const v of values) lines.push({ trial: v.trial.number, axis, y: position(v.value), value: formatParam(v.value, kind), objective: v.trial.objective });
  };
  for (const column of axes) {
    addAxis(column.header, scored.flatMap((t) => (paramValue(t, column.path) === undefined ? [] : [{ trial: t, value: paramValue(t, column.path) }])), column.kind);
  }
  addAxis(metric, scored.map((t) => ({ trial: t, value: t.objective })), 'uniform');
  const order = [...axes.map((c) => c.header), metric];
  const x = { field: 'axis', type: 'nominal', sort: order, title: null, axis: { labelAngle: 0, orient: 'top', domain: false, ticks: false, labelFontWeight: 'bold' } };
  const yScale = { domain: [-0.04, 1.04] }; // room for the end labels under the axis names
  return {
    title,
    note: `one line per trial with a result, coloured by ${metric}; hover a line for its trial`,
    spec: {
      $schema: schema, width: Math.max(420, 110 * order.length), height: 280,
      layer: [
        { data: { values: order.map((axis) => ({ axis })) }, mark: { type: 'rule', color: '#999' }, encoding: { x } },
        {
          data: { values: lines },
          mark: { type: 'line', strokeWidth: 2, opacity: 0.75 },
          encoding: {
            x, y: { field: 'y', type: 'quantitative', axis: null, scale: yScale },
            detail: { field: 'trial', type: 'nominal' },
            color: { field: 'objective', type: 'quantitative', title: metric, scale: { scheme: 'viridis' } },
            tooltip: [{ field: 'trial' }, { field: 'axis', title: 'axis' }, { field: 'value' }, { field: 'objective', title: metric, format: '.4~g' }],
          },
        },
        {
          data: { values: labels },
          mark: { type: 'text', align: 'left', dx: 4, fontSize: 10, color: '#333' },
          encoding: { x, y: { field: 'y', type: 'quantitative', scale: yScale }, text: { field: 'label' } },
        },
      ],
    } as TopLevelSpec,
  };
}

/** Parameter importance ({@link parameterImportance}) as horizontal bars. */
export function importanceChart(trials: TrialRow[], columns: ParamColumn[], metric: string): Chart {
  const rows = parameterImportance(trials, columns);
  const title = `parameter importance for ${metric}`;
  if (rows.length === 0) return { title, spec: null, note: 'too few trials with a result to split by any parameter yet' };
  return {
    title,
    note: `share of the objective's variance each parameter explains alone (ε², a bias-corrected first-order variance decomposition, fANOVA-like main effects), over ${importanceBasis(trials).length} ${importanceBasis(trials).every((t) => t.state === 'completed') ? 'completed trials' : 'trials with a result'}`,
    spec: {
      $schema: schema, width: 360, height: { step: 22 },
      data: { values: rows.map((r) => ({ ...r, parameter: r.path, percent: `${(r.importance * 100).toFixed(1)}%` })) },
      mark: { type: 'bar', color: '#4c78a8' },
      encoding: {
        y: { field: 'parameter', type: 'nominal', sort: '-x', title: null },
        x: { field: 'importance', type: 'quantitative', title: 'ε² (share of variance)', scale: { domain: [0, 1] }, axis: { format: '.0%' } },
        tooltip: [{ field: 'parameter' }, { field: 'percent', title: 'importance' }, { field: 'trials' }, { field: 'groups' }],
      },
    } as TopLevelSpec,
  };
}
