// `tensorfleet dashboard` in real headless Chromium: while a real run trains, its charts render and the step shown
// goes up; on a study it lists every trial with the sweep charts. Screenshots of both go to a temp folder, or to docs/
// (the README shows them) with TENSORFLEET_SCREENSHOTS=docs, so a test run leaves the tracked files alone.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { simulatedTrialScript } from '@tensorfleet/coordinator';
import { describe as describeRun, startCli } from './helpers/cli.js';
import { openBrowser } from './helpers/browser.js';
import { freePort, sleep } from './helpers/net.js';

const docs = process.env.TENSORFLEET_SCREENSHOTS === 'docs'
  ? join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs')
  : mkdtempSync(join(tmpdir(), 'tf-screens-'));

async function waitFor(what, check, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(300);
  }
}

/** Starts `tensorfleet dashboard ...args --port 0` and resolves with its URL (the line it prints). */
async function startDashboard(args) {
  let url;
  let exited = null;
  const dashboard = startCli(['dashboard', ...args, '--port', '0'], { onLine: (line) => (url ??= /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(line)?.[1]) });
  dashboard.exited.then((r) => (exited = r));
  await waitFor('the dashboard URL', () => {
    if (exited) throw new Error(`tensorfleet dashboard exited: ${describeRun(exited)}`);
    return url;
  }, 30_000);
  return { url, stop: async () => (dashboard.child.kill('SIGTERM'), dashboard.exited) };
}

const stepShown = (page) => page.evaluate(() => Number(document.querySelector('#step')?.textContent || NaN));

describe('dashboard of a run while it trains', { timeout: 300_000 }, () => {
  const root = mkdtempSync(join(tmpdir(), 'tf-e2e-dash-run-'));
  const cleanup = [];
  after(async () => {
    for (const f of cleanup.reverse()) await f().catch(() => {});
    rmSync(root, { recursive: true, force: true });
  });

  it('renders the charts and the workers, and the step shown goes up', async () => {
    const out = join(root, 'run');
    const train = startCli(['train', '--preset', 'mlp', '--epochs', '4', '--metrics-port', String(await freePort()), '--out', out, '--json'], { detached: true });
    let trained = null;
    train.exited.then((r) => (trained = r));
    cleanup.push(async () => {
      if (!trained) process.kill(-train.child.pid, 'SIGKILL');
      await train.exited;
    });
    await waitFor('the run folder', () => existsSync(out), 60_000); // a folder that does not exist is a usage error
    const dashboard = await startDashboard([out]);
    cleanup.push(dashboard.stop);
    const browser = await openBrowser();
    cleanup.push(browser.close);
    const { page } = browser;
    await page.goto(dashboard.url);

    const first = await waitFor('a step > 0 on the page', async () => (await stepShown(page)) > 0 && (await stepShown(page)), 120_000);
    const later = await waitFor('the step to go up', async () => ((await stepShown(page)) > first ? stepShown(page) : null), 60_000);
    assert.ok(later > first, `step ${first} -> ${later}`);
    assert.equal(trained, null, 'the run ended before the dashboard saw it train');
    const workers = await page.$$eval('#workers tbody tr', (rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent)));
    assert.deepEqual(workers.map((w) => w[0]), ['0', '1']);
    assert.ok(workers.every((w) => w[2] === '127.0.0.1' && Number(w[3]) > 0 && /s ago$/.test(w[4])), JSON.stringify(workers));
    assert.match(await page.textContent('#status'), /^training: epoch \d of 4, step \d+/);

    // After the first epoch the charts have data: vega draws SVG marks into every figure.
    await waitFor('the loss chart', () => page.$('#chart-loss .view svg path.mark-line, #chart-loss .view svg .mark-line path'), 120_000);
    for (const id of ['loss', 'accuracy', 'lr', 'throughput', 'worker-times']) {
      assert.ok(await page.$(`#chart-${id} .view svg`), `chart ${id} not drawn`);
    }
    const lossPoints = () => page.$$eval('#chart-loss .view svg .mark-symbol path', (p) => p.length);
    const before = await lossPoints();
    if (!trained) {
      await waitFor('another epoch on the loss chart', async () => (await lossPoints()) > before || trained, 120_000);
    }
    mkdirSync(docs, { recursive: true });
    await page.screenshot({ path: join(docs, 'dashboard-run.png'), fullPage: true });
    const result = await train.exited;
    assert.equal(result.code, 0, describeRun(result));
    await waitFor('the finished state', async () => /^finished: 4 epochs/.test(await page.textContent('#status')), 30_000);
  });
});

describe('dashboard of a study', { timeout: 300_000 }, () => {
  const root = mkdtempSync(join(tmpdir(), 'tf-e2e-dash-study-'));
  const cleanup = [];
  after(async () => {
    for (const f of cleanup.reverse()) await f().catch(() => {});
    rmSync(root, { recursive: true, force: true });
  });

  it('finds every trial and draws parallel coordinates, importance and best so far', async () => {
    const storage = join(root, 'studies.sqlite');
    const spec = join(root, 'study.json');
    const trials = 10;
    writeFileSync(spec, JSON.stringify({
      name: 'dash-sweep', searcher: 'random', seed: 3, objective: { metric: 'valAccuracy' },
      budget: { trials, maxConcurrent: 2, maxEpochs: 4 },
      scheduler: { name: 'asha', reductionFactor: 2, minEpochs: 1 },
      trial: { command: [process.execPath, simulatedTrialScript, '--config', '{config}', '--out', '{dir}'] },
      base: { sim: { epochMs: 250 } },
      space: {
        optimizer: { type: 'choice', values: [{ name: 'sgd', momentum: 0.9, lr: { type: 'loguniform', low: 1e-3, high: 1e-1 } }, { name: 'adam', lr: { type: 'loguniform', low: 1e-4, high: 1e-2 } }] },
        l2: { type: 'loguniform', low: 5e-5, high: 5e-3 },
        labelSmoothing: [0, 0.05, 0.1],
      },
    }));
    const study = startCli(['hpo', 'run', spec, '--storage', storage, '--json', '--no-report']);
    cleanup.push(async () => (study.child.kill('SIGTERM'), study.exited));
    await waitFor('the study storage', () => existsSync(storage), 60_000);
    const dashboard = await startDashboard(['dash-sweep', '--storage', storage]);
    cleanup.push(dashboard.stop);
    const browser = await openBrowser();
    cleanup.push(browser.close);
    const { page } = browser;
    await page.goto(dashboard.url);
    await waitFor('a trial row', () => page.$('#trials tbody tr'), 60_000);
    const result = await study.exited;
    assert.equal(result.code, 0, describeRun(result));
    const rows = await waitFor(`all ${trials} trials finished on the page`, async () => {
      const r = await page.$$eval('#trials tbody tr', (trs) => trs.map((tr) => ({ trial: Number(tr.dataset.trial), state: tr.dataset.state })));
      return r.length === trials && r.every((t) => t.state === 'completed' || t.state === 'stopped') ? r : null;
    }, 60_000);
    assert.deepEqual(rows.map((r) => r.trial), Array.from({ length: trials }, (_, i) => i));
    for (const id of ['best-so-far', 'parallel', 'importance', 'curves', 'rungs']) {
      assert.ok(await page.$(`#chart-${id} .view svg`), `chart ${id} not drawn`);
    }
    // Hover: vega's tooltip handler titles the chart with the point's fields.
    await (await page.$('#chart-curves .view svg .mark-symbol path')).hover({ force: true });
    const tooltip = await waitFor('a tooltip', () => page.$eval('#chart-curves .view', (v) => v.getAttribute('title')), 10_000);
    assert.match(tooltip, /^trial: \d+\nepoch: \d+\nvalAccuracy: 0\.\d{1,4}\nstate: (completed|stopped)$/);
    const curveLabels = await page.$$eval('#chart-curves .view svg text', (t) => t.map((x) => x.textContent));
    for (let i = 0; i < trials; i++) assert.ok(curveLabels.includes(`#${i}`), `curve of trial ${i} is not labelled`);
    assert.match(await page.textContent('#status'), new RegExp(`^finished: ${trials} of ${trials} trials`));
    mkdirSync(docs, { recursive: true });
    await page.screenshot({ path: join(docs, 'dashboard-study.png'), fullPage: true });
  });
});
