import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { TrialRow } from '../storage/types.js';
import { parameterImportance } from './importance.js';
import { learningCurveChart, rungChart } from './plots.js';
import { renderSvg } from './chart-html.js';
import { writeSweepFixture } from './sweep-fixture.test-util.js';
import { writeReport } from './write-report.js';

/** The text of an SVG's <text> elements (axis labels, titles, legends, mark labels). */
const svgTexts = (svg: string) => [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!);
/** Each figure of report.html: its caption, note and pre-rendered SVG. */
function figures(html: string): { id: string; caption: string; note: string; svg: string; spec: boolean }[] {
  return [...html.matchAll(/<figure class="chart[^"]*" id="chart-([^"]+)"[^>]*><figcaption>([^<]*)<\/figcaption>(?:<p class="note">([^<]*)<\/p>)?<div class="view">(.*?)<\/div>(<script type="application\/json")?/gs)]
    .map((m) => ({ id: m[1]!, caption: m[2]!, note: m[3] ?? '', svg: m[4]!, spec: m[5] !== undefined }));
}

test('sweep report: no "undefined" category, whole-number epoch axes, one title per chart, labelled curves, new charts', async () => {
  const fixture = writeSweepFixture();
  const files = await writeReport({ storage: fixture.storage, study: fixture.study, outDir: join(fixture.dir, 'report') });
  const html = readFileSync(files.html, 'utf8');
  const figs = figures(html);
  const ids = figs.map((f) => f.id);
  for (const id of ['best-so-far', 'parallel', 'importance', 'curves', 'rungs', 'objective-optimizer.lr', 'objective-l2', 'objective-labelSmoothing', 'objective-optimizer.name']) {
    assert.ok(ids.includes(id), `no ${id} chart in ${ids.join(', ')}`);
  }
  // momentum is 0.9 in every SGD trial and absent from Adam's: there is nothing to plot, and no "undefined" anywhere.
  assert.ok(!ids.includes('objective-optimizer.momentum'));
  for (const f of figs) {
    const texts = svgTexts(f.svg);
    assert.ok(!texts.some((t) => /undefined|NaN/.test(t)), `${f.id}: ${texts.join(' | ')}`);
    assert.ok(!texts.includes(f.caption), `${f.id}: its title is printed twice (caption and chart)`);
    assert.ok(f.spec, `${f.id}: no live spec for hover`);
  }
  const curveTexts = svgTexts(figs.find((f) => f.id === 'curves')!.svg);
  assert.deepEqual(['1', '2', '3'].filter((e) => curveTexts.includes(e)), ['1', '2', '3']);
  assert.ok(!curveTexts.some((t) => /^\d+\.0+$/.test(t)), curveTexts.join(' | '));
  for (const n of fixture.objectives.keys()) assert.ok(curveTexts.includes(`#${n}`), `curve of trial ${n} is not labelled`);
  // Hover: the marks carry tooltips and the page inlines vega to draw them (opens offline: no external script).
  assert.match(html, /"tooltip"/);
  assert.match(html, /window\.tensorfleetCharts/);
  assert.doesNotMatch(html, /<script[^>]+src=/);
  const best = [...fixture.objectives.entries()].sort((a, b) => b[1] - a[1])[0]!;
  assert.match(readFileSync(files.markdown, 'utf8'), new RegExp(`best: trial ${best[0]}, valAccuracy = ${Number(best[1].toPrecision(4))} `));
});

test('a lone epoch reads "1", not "1.000000"', async () => {
  const trials = [{ id: 1, number: 0, state: 'stopped' }, { id: 2, number: 1, state: 'running' }] as TrialRow[];
  const metrics = [{ trialId: 1, epoch: 1, attempt: 1, recordedAt: 0, metrics: { valAccuracy: 0.8 } }, { trialId: 2, epoch: 1, attempt: 1, recordedAt: 0, metrics: { valAccuracy: 0.85 } }];
  const texts = svgTexts(await renderSvg(learningCurveChart(trials, metrics, 'valAccuracy').spec!));
  assert.ok(texts.includes('1') && !texts.some((t) => t.startsWith('1.0')), texts.join(' | '));
});

test('an ASHA chart with no decision yet says why instead of drawing an empty frame', async () => {
  const chart = rungChart([], [], 'valAccuracy', [1, 3]);
  assert.equal(chart.spec, null);
  assert.match(chart.note!, /no trial has reached a rung \(the first rung is at epoch 1\)/);
  const fixture = writeSweepFixture({ trials: 3, started: false, name: 'just-started' });
  const html = readFileSync((await writeReport({ storage: fixture.storage, study: fixture.study })).html, 'utf8');
  const rungs = figures(html).find((f) => f.id === 'rungs')!;
  assert.equal(rungs.svg, '');
  assert.match(rungs.note, /no decision yet/);
  // No trial has a result: report.md must not link a best-config.yaml that was not written.
  assert.doesNotMatch(readFileSync(join(fixture.dir, 'just-started', 'report', 'report.md'), 'utf8'), /best-config\.yaml/);
});

test('parameter importance finds the parameter that decides the objective', () => {
  // y depends on lr only (through a bump); l2 is noise-free but irrelevant; a choice with no effect scores ~0.
  const trials = Array.from({ length: 40 }, (_, i) => {
    const lr = 10 ** (-4 + 3 * ((i * 0.618034) % 1));
    const l2 = 10 ** (-5 + 3 * ((i * 0.754878 + 0.3) % 1));
    const opt = i % 2 ? 'sgd' : 'adam';
    return {
      id: i, number: i, state: 'completed', objective: 0.97 - 0.05 * (Math.log10(lr) + 2.5) ** 2 + 0.002 * ((i * 7) % 3),
      params: [{ name: 'optimizer.lr', value: lr, kind: 'loguniform' }, { name: 'l2', value: l2, kind: 'loguniform' }, { name: 'optimizer.name', value: opt, kind: 'choice' }],
    } as unknown as TrialRow;
  });
  const columns = [{ path: 'optimizer.lr', header: 'lr', kind: 'loguniform' }, { path: 'l2', header: 'l2', kind: 'loguniform' }, { path: 'optimizer.name', header: 'optimizer', kind: 'choice' }];
  const result = parameterImportance(trials, columns);
  assert.equal(result[0]!.path, 'optimizer.lr');
  assert.ok(result[0]!.importance > 0.6, `lr explains only ${result[0]!.importance}`);
  for (const r of result.slice(1)) assert.ok(r.importance < 0.15, `${r.path} credited ${r.importance}`);
});
