import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { RungRecord } from '../schedulers/types.js';
import type { MetricRow, TrialRow } from '../storage/types.js';
import type { ParamColumn } from './rows.js';

/** A titled vega-lite chart spec. */
export interface Chart {
  title: string;
  spec: TopLevelSpec;
}

const stateColors = {
  domain: ['completed', 'stopped', 'running', 'pending', 'crashed', 'failed'],
  range: ['#1f77b4', '#9ecae1', '#2ca02c', '#bbbbbb', '#d62728', '#7f7f7f'],
};

/**
 * Objective against each hyper-parameter (a log axis for loguniform ones, categories for choices), one point per
 * trial with a result, coloured by how the trial ended.
 */
export function objectiveCharts(trials: TrialRow[], columns: ParamColumn[], metric: string): Chart[] {
  const scored = trials.filter((t) => t.objective !== null && t.state !== 'crashed' && t.state !== 'failed');
  return columns.map((column) => {
    const values = scored.map((t) => ({ trial: t.number, state: t.state, epochs: t.epochs, objective: t.objective, value: t.params.find((p) => p.name === column.path)?.value }));
    const numeric = values.every((v) => typeof v.value === 'number') && column.kind !== 'choice' && column.kind !== 'grid';
    const data = values.map((v) => ({ ...v, value: numeric ? v.value : String(v.value) }));
    return {
      title: `${metric} vs ${column.path}`,
      spec: {
        $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
        width: 320, height: 220, title: `${metric} vs ${column.path}`,
        data: { values: data },
        mark: { type: 'point', filled: true, size: 60 },
        encoding: {
          x: numeric
            ? { field: 'value', type: 'quantitative', title: column.path, scale: column.kind === 'loguniform' ? { type: 'log' } : { zero: false } }
            : { field: 'value', type: 'nominal', title: column.path },
          y: { field: 'objective', type: 'quantitative', title: metric, scale: { zero: false } },
          color: { field: 'state', type: 'nominal', scale: stateColors },
          tooltip: [{ field: 'trial' }, { field: 'value' }, { field: 'objective' }, { field: 'epochs' }],
        },
      } as TopLevelSpec,
    };
  });
}

/** The objective metric per epoch for every trial (the learning curves), coloured by how the trial ended. */
export function learningCurveChart(trials: TrialRow[], metrics: MetricRow[], metric: string): Chart {
  const byId = new Map(trials.map((t) => [t.id, t]));
  const data = metrics
    .filter((m) => Number.isFinite(m.metrics[metric]))
    .map((m) => ({ trial: byId.get(m.trialId)?.number ?? -1, state: byId.get(m.trialId)?.state ?? 'pending', epoch: m.epoch, value: m.metrics[metric] }));
  return {
    title: `learning curves (${metric})`,
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      width: 520, height: 300, title: `learning curves: ${metric} per epoch`,
      data: { values: data },
      mark: { type: 'line', point: true, strokeWidth: 1.5 },
      encoding: {
        x: { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1 } },
        y: { field: 'value', type: 'quantitative', title: metric, scale: { zero: false } },
        detail: { field: 'trial', type: 'nominal' },
        color: { field: 'state', type: 'nominal', scale: stateColors },
        tooltip: [{ field: 'trial' }, { field: 'epoch' }, { field: 'value' }],
      },
    } as TopLevelSpec,
  };
}

/** ASHA's decisions: each trial's value at each rung, coloured by whether it went on or was stopped. */
export function rungChart(trials: TrialRow[], rungs: RungRecord[], metric: string): Chart {
  const byId = new Map(trials.map((t) => [t.id, t.number]));
  const data = rungs
    .filter((r) => Number.isFinite(r.value))
    .map((r) => ({ trial: byId.get(r.trialId) ?? -1, rung: `rung ${r.rung} (epoch ${r.epoch})`, epoch: r.epoch, value: r.value, decision: r.decision, rank: `${r.rank}/${r.seen} (keep ${r.keep})` }));
  return {
    title: 'ASHA rung decisions',
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      width: 520, height: 300, title: `ASHA rung decisions (${metric} at each rung, in arrival order)`,
      data: { values: data.map((d, i) => ({ ...d, order: i })) },
      mark: { type: 'point', filled: true, size: 80 },
      encoding: {
        x: { field: 'order', type: 'quantitative', title: 'arrival at rung' },
        y: { field: 'value', type: 'quantitative', title: metric, scale: { zero: false } },
        color: { field: 'decision', type: 'nominal', scale: { domain: ['continue', 'stop'], range: ['#2ca02c', '#d62728'] } },
        shape: { field: 'rung', type: 'nominal' },
        tooltip: [{ field: 'trial' }, { field: 'rung' }, { field: 'value' }, { field: 'decision' }, { field: 'rank' }],
      },
    } as TopLevelSpec,
  };
}

/**
 * Renders a vega-lite chart to an SVG string, headless (vega's scenegraph, no browser or canvas).
 *
 * @example
 * const svg = await renderSvg(learningCurveChart(trials, metrics, 'valAccuracy').spec);
 */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
