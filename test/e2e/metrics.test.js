// `tensorfleet train --metrics-port P`: the parameter server's /metrics, scraped while a real run trains and parsed
// strictly by the Prometheus text-format rules; and the run's report.html / report.json written as it goes.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parsePrometheusText } from 'tensorfleet';
import { psMetricNames } from '@tensorfleet/ps';
import { describe as describeRun, startCli } from './helpers/cli.js';
import { freePort, sleep } from './helpers/net.js';

const value = (families, name, labels = {}) =>
  families.get(name)?.samples.find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

describe('tensorfleet train serves Prometheus metrics and writes its report', { timeout: 240_000 }, () => {
  let root;
  let port;
  let result;
  const scrapes = [];

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'tf-e2e-metrics-'));
    port = await freePort();
    const run = startCli(['train', '--preset', 'mlp', '--epochs', '3', '--workers', '2', '--metrics-port', String(port), '--out', join(root, 'run'), '--json']);
    let done = false;
    run.exited.then(() => (done = true));
    while (!done) {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/metrics`);
        scrapes.push({ contentType: res.headers.get('content-type'), text: await res.text() });
      } catch {
        // not listening yet, or already closed at the end
      }
      await sleep(400);
    }
    result = await run.exited;
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('runs to the end', () => assert.equal(result.code, 0, describeRun(result)));

  it('every scrape parses by the text-format rules, and the numbers move while it trains', () => {
    assert.ok(scrapes.length >= 3, `only ${scrapes.length} scrapes`);
    const parsed = scrapes.map((s) => {
      assert.match(s.contentType, /^text\/plain; version=0\.0\.4/);
      return parsePrometheusText(s.text);
    });
    for (const families of parsed) {
      for (const name of Object.values(psMetricNames)) {
        const family = families.get(name);
        assert.ok(family, `no ${name}`);
        assert.ok(family.help.length > 0, `${name} has no HELP`);
        assert.equal(family.type, name.endsWith('_total') ? 'counter' : 'gauge', name);
      }
    }
    const training = parsed.filter((f) => value(f, psMetricNames.connections) === 2 && value(f, psMetricNames.step) > 0);
    assert.ok(training.length >= 2, `only ${training.length} scrapes while 2 workers trained`);
    const steps = training.map((f) => value(f, psMetricNames.step));
    assert.ok(steps.at(-1) > steps[0], `step did not advance: ${steps}`);
    for (let i = 1; i < parsed.length; i++) {
      for (const counter of [psMetricNames.bytesReceived, psMetricNames.bytesSent, psMetricNames.sharedBytesReceived, psMetricNames.sharedBytesSent, psMetricNames.sharedBroadcastFrames]) {
        assert.ok(value(parsed[i], counter) >= value(parsed[i - 1], counter), `${counter} went down`);
      }
    }
    const last = training.at(-1);
    // Local workers take the shared-memory offer: gradients and parameters go through /dev/shm, notes over TCP.
    assert.ok(value(last, psMetricNames.sharedBytesReceived) > 1e5 && value(last, psMetricNames.sharedBytesSent) > 1e5, 'gradients and parameters went through shared memory');
    assert.ok(value(last, psMetricNames.bytesReceived) > 0 && value(last, psMetricNames.bytesSent) > 0, 'control messages crossed the socket');
    // The parameters of each step were written once for both workers, through the server's broadcast ring.
    const broadcasts = value(last, psMetricNames.sharedBroadcastFrames);
    assert.ok(broadcasts > 0 && broadcasts <= value(last, psMetricNames.step) + 1, `broadcast frames ${broadcasts} at step ${value(last, psMetricNames.step)}`);
    assert.equal(value(last, psMetricNames.epochsPlanned), 3);
    assert.equal(value(last, psMetricNames.lr), 0.01);
    assert.ok(value(last, psMetricNames.samplesPerSecond) > 0);
    assert.ok(Number.isFinite(value(last, psMetricNames.stepLoss)));
    for (const rank of ['0', '1']) {
      const labels = { rank, host: '127.0.0.1' };
      assert.ok(value(last, psMetricNames.workerStep, labels) > 0, `worker ${rank} step`);
      assert.ok(value(last, psMetricNames.workerComputeMs, labels) > 0, `worker ${rank} compute ms`);
      assert.equal(value(last, psMetricNames.workerStaleness, labels), 0, 'sync: no staleness');
      assert.ok(Math.abs(value(last, psMetricNames.workerLastHeard, labels) - Date.now() / 1000) < 120, 'last heard is a unix time');
      assert.ok([0, 1].includes(value(last, psMetricNames.workerStraggler, labels)));
    }
  });

  it('writes report.html (self-contained) and report.json with every epoch, worker and the environment', () => {
    const out = join(root, 'run');
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    for (const id of ['loss', 'accuracy', 'lr', 'throughput', 'worker-times']) assert.match(html, new RegExp(`id="chart-${id}"[^]*?<svg `), `chart ${id}`);
    assert.doesNotMatch(html, /<script[^>]+src=|<link[^>]+href=/, 'report.html loads something from elsewhere');
    assert.match(html, /finished/);
    const data = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    assert.equal(data.state, 'finished');
    assert.deepEqual(data.epochs.map((e) => e.epoch), [0, 1, 2]);
    assert.ok(['native', 'wasm'].includes(data.environment.backend), data.environment.backend);
    assert.deepEqual(data.environment.hosts, ['127.0.0.1']);
    assert.equal(data.environment.metricsUrl, `http://127.0.0.1:${port}/metrics`);
    assert.ok(data.test && data.test.top1 > 0.5, 'test results');
    for (const epoch of [0, 1, 2]) {
      const ranks = data.workerEpochs.filter((w) => w.epoch === epoch).map((w) => w.rank).sort();
      assert.deepEqual(ranks, [0, 1], `per-worker times of epoch ${epoch}`);
    }
    assert.ok(data.workerEpochs.every((w) => w.computeMs > 0 && w.commMs >= 0 && w.steps > 0));
    assert.equal(data.config.epochs, 3);
    assert.ok(existsSync(join(out, 'summary.json')));
  });
});

describe('--metrics-port that is taken', { timeout: 60_000 }, () => {
  it('fails the start with one line naming the port', async () => {
    const blocker = createServer();
    await new Promise((r) => blocker.listen(0, '127.0.0.1', r));
    const { port } = blocker.address();
    const root = mkdtempSync(join(tmpdir(), 'tf-e2e-metrics-busy-'));
    try {
      const result = await startCli(['train', '--preset', 'mlp', '--epochs', '1', '--metrics-port', String(port), '--out', join(root, 'run'), '--json']).exited;
      assert.notEqual(result.code, 0);
      assert.match(result.lines.join('\n') + result.stderr, new RegExp(`metrics port ${port} on 127\\.0\\.0\\.1 is in use`));
    } finally {
      blocker.close();
      rmSync(root, { recursive: true, force: true });
    }
  });
});
