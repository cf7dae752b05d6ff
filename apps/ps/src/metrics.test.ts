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

test('a worker kept slow (SIGSTOPped for 100 ms after every step) is marked the straggler; the other one is not', { timeout: 180_000 }, async () => {
  // Slowed per step, not per wall-clock period: a 60-of-every-100-ms stop left most steps of a fast machine unslowed
  // (a mean lateness of 7 ms, under the rule's 10), so the mark depended on the machine's speed.
  let slow: ReturnType<typeof spawn> | undefined;
  let running = true;
  const resumes = new Set<NodeJS.Timeout>();
  // Many epochs: only the test ends the run (on a quiet machine one 400-step epoch ended before the mark; fetch failed).
  const ps = await startParameterServer({
    token, logger, workers: 2, job: job({ batchSize: 8, maxStepsPerEpoch: 400, epochs: 50 }), metrics: { port: 0 },
    onStep: () => {
      if (!running || !slow) return;
      slow.kill('SIGSTOP'); // it has this step's parameters (sent before onStep) and pushes its next gradient 100 ms late
      const resume = setTimeout(() => {
        resumes.delete(resume);
        slow!.kill('SIGCONT');
      }, 100); // well above the fast worker's own delays on a loaded machine (a 50 ms stop once lost to them)
      resumes.add(resume);
    },
  });
  const env = { ...process.env, TF_ELASTIC_TOKEN: token };
  const workers = ['fast', 'slow'].map((name) => spawn(process.execPath, [workerScript, ps.url, name], { env, stdio: 'ignore' }));
  slow = workers[1]!;
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
    for (const r of resumes) clearTimeout(r);
    workers[1]!.kill('SIGCONT');
    await ps.close();
    for (const w of workers) w.kill('SIGKILL');
  }
});
