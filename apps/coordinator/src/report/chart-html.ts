import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { Chart } from './plots.js';

/** Escapes text for HTML element content and double-quoted attributes. */
export const escapeHtml = (s: string): string =>
  s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/** JSON safe inside a `<script>` element (no `</script>` or `<!--` can close it early). */
export const scriptJson = (value: unknown): string => JSON.stringify(value).replace(/</g, '\\u003c');

/** A vega-lite spec compiled to the vega spec the runtime draws (compiling here keeps vega-lite out of the page). */
export function compileChart(spec: TopLevelSpec): vega.Spec {
  return compile(spec).spec;
}

/**
 * Renders a vega-lite chart to an SVG string, headless (vega's scenegraph, no browser or canvas).
 *
 * @example
 * const svg = await renderSvg(learningCurveChart(trials, metrics, 'valAccuracy').spec!);
 */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compileChart(spec)), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** The chart as a browser draws it: caption, note, and its compiled vega spec (null for a chart with nothing to draw). */
export interface ChartPayload {
  id: string;
  title: string;
  note: string | null;
  vega: vega.Spec | null;
}

/** Compiles a chart for a page or a live update. */
export function chartPayload(chart: Chart, id: string): ChartPayload {
  return { id, title: chart.title, note: chart.note ?? null, vega: chart.spec ? compileChart(chart.spec) : null };
}

/**
 * One chart as an HTML figure: caption, note, the SVG rendered here (readable with scripts off) and the compiled spec
 * that {@link chartRuntime} redraws live in the browser, with hover tooltips.
 *
 * @example
 * const html = `${await chartFigure(learningCurveChart(trials, metrics, 'valAccuracy'), 'curves')}${chartRuntime()}`;
 */
export async function chartFigure(chart: Chart, id: string): Promise<string> {
  const payload = chartPayload(chart, id);
  const svg = chart.spec ? await renderSvg(chart.spec) : '';
  return [
    `<figure class="chart${chart.spec ? '' : ' empty'}" id="chart-${escapeHtml(id)}" data-chart="${escapeHtml(id)}">`,
    `<figcaption>${escapeHtml(chart.title)}</figcaption>`,
    chart.note ? `<p class="note">${escapeHtml(chart.note)}</p>` : '',
    `<div class="view">${svg}</div>`,
    payload.vega ? `<script type="application/json" class="vega-spec">${scriptJson(payload.vega)}</script>` : '',
    '</figure>',
  ].join('');
}

/** Styles of chart figures (shared by the sweep report, the run report and the dashboard). */
export const chartStyles = [
  'figure.chart{display:inline-block;margin:0.5em 1em 1em 0;vertical-align:top}',
  'figure.chart figcaption{font-weight:600;margin-bottom:0.2em}',
  'figure.chart .note{margin:0 0 0.4em;color:#555;font-size:0.85em;max-width:560px}',
  'figure.chart.empty .view{display:none}',
].join('\n');

let runtimeSource: string | undefined;
/** vega's browser build, from the installed package (its `exports` hide the file, so it is found beside the module). */
function vegaBrowserBuild(): string {
  if (runtimeSource === undefined) {
    const entry = createRequire(import.meta.url).resolve('vega');
    runtimeSource = readFileSync(join(dirname(entry), 'vega.min.js'), 'utf8');
  }
  return runtimeSource;
}

/**
 * The browser side, as page script: `tensorfleetCharts.render(figure, payload)` (re)draws a figure from a
 * {@link ChartPayload} and `hydrate(root)` redraws every pre-rendered figure in `root` live, so marks show their
 * tooltip on hover. vega's default tooltip handler sets the SVG's title attribute: a native tooltip, no extra library.
 */
const clientScript = `(() => {
  const views = new WeakMap();
  function draw(figure, spec) {
    const box = figure.querySelector('.view');
    views.get(figure)?.finalize();
    box.textContent = '';
    if (!spec) { views.delete(figure); return; }
    const view = new vega.View(vega.parse(spec), { renderer: 'svg', container: box, hover: true });
    views.set(figure, view);
    return view.runAsync();
  }
  function render(figure, payload) {
    figure.querySelector('figcaption').textContent = payload.title;
    let note = figure.querySelector('.note');
    if (payload.note && !note) { note = document.createElement('p'); note.className = 'note'; figure.querySelector('figcaption').after(note); }
    if (note) note.textContent = payload.note || '';
    figure.classList.toggle('empty', !payload.vega);
    return draw(figure, payload.vega);
  }
  function hydrate(root) {
    for (const figure of root.querySelectorAll('figure.chart')) {
      const json = figure.querySelector('script.vega-spec');
      if (json) draw(figure, JSON.parse(json.textContent));
    }
  }
  window.tensorfleetCharts = { render, hydrate };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', () => hydrate(document));
  else hydrate(document);
})();`;

/** The vega runtime and the chart script, inlined: a page that opens offline, from a file. */
export function chartRuntime(): string {
  return `<script>${vegaBrowserBuild()}</script>\n<script>${clientScript}</script>`;
}
