import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { job, logger, token } from './cluster.test-util.js';
import { workerScript } from './elastic.test-util.js';
import { psMetricNames, stragglerRule } from './metrics.js';
import { startParameterServer } from './parameter-server.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The value of one series in a /metrics text (enough here: the full parser is tested with the CLI). */
const sample = (text: string, name: string, worker: string) =>
  Number(new RegExp(`^${name}\\{[^}]*worker="${worker}"[^}]*\\} (\\S+)$`, 'm').exec(text)?.[1]);

test('a worker kept slow (SIGSTOP 60 ms of every 100) is marked the straggler; the other one is not', { timeout: 180_000 }, async () => {
  // Many epochs: only the test ends the run (on a quiet machine one 400-step epoch ended before the mark; fetch failed).
  const ps = await startParameterServer({ token, logger, workers: 2, job: job({ batchSize: 8, maxStepsPerEpoch: 400, epochs: 50 }), metrics: { port: 0 } });
  const env = { ...process.env, TF_ELASTIC_TOKEN: token };
  const workers = ['fast', 'slow'].map((name) => spawn(process.execPath, [workerScript, ps.url, name], { env, stdio: 'ignore' }));
  const slow = workers[1]!;
  let running = true;
  const throttle = (async () => {
    while (running) {
      slow.kill('SIGSTOP');
      await sleep(60);
      slow.kill('SIGCONT');
      await sleep(40);
    }
  })();
  try {
    let text = '';
    for (let i = 0; i < 300 && !(sample(text, psMetricNames.workerStraggler, 'slow') === 1); i++) {
      await sleep(300);
      text = await (await fetch(ps.metricsUrl!)).text();
    }
    assert.equal(sample(text, psMetricNames.workerStraggler, 'slow'), 1, `the slow worker is not marked:\n${text}`);
    assert.equal(sample(text, psMetricNames.workerStraggler, 'fast'), 0);
    assert.ok(sample(text, psMetricNames.workerLateMs, 'slow') >= stragglerRule.minLateMs);
    assert.ok(sample(text, psMetricNames.workerLateMs, 'fast') < sample(text, psMetricNames.workerLateMs, 'slow'));
    const status = ps.workers();
    assert.deepEqual(status.map((w) => [w.name, w.straggler]).sort(), [['fast', false], ['slow', true]]);
  } finally {
    running = false;
    await throttle;
    slow.kill('SIGCONT');
    await ps.close();
    for (const w of workers) w.kill('SIGKILL');
  }
});
