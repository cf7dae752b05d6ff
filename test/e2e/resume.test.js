// A run whose whole local cluster is SIGKILLed after epoch 1's checkpoint, then continued with `--resume`, must end
// with exactly the parameters of the same run left alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, listCheckpoints, processGroupMembers, readCheckpointWeights, readSummary, runCli, startCli } from './helpers/cli.js';

// mlp (L2, label smoothing, SGD momentum, ReduceLROnPlateau) at batch 64: 62 steps per epoch keeps this fast.
const runArgsFor = (config, out) => ['train', '--config', config, '--epochs', '2', '--batch-size', '64', '--seed', '3', '--out', out, '--json'];

async function waitUntil(condition, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Trains `model` twice — once left alone, once SIGKILLed after epoch 1 and resumed — and compares the ends. */
async function killAndResume(model) {
  const root = mkdtempSync(join(tmpdir(), 'tf-e2e-resume-'));
  let killedGroup;
  try {
    const config = join(root, 'config.json');
    writeFileSync(config, JSON.stringify({ model }));
    const runArgs = (out) => runArgsFor(config, out);
    const whole = readSummary(await runCli(runArgs(join(root, 'whole'))));

    const out = join(root, 'killed');
    let epochOneCheckpoint = null;
    const run = startCli(runArgs(out), {
      detached: true, // its own process group: the PS (this CLI) and its worker children die together
      onLine: (_, log) => {
        if (epochOneCheckpoint === null && log?.msg === 'checkpoint written' && log.epoch === 1) {
          epochOneCheckpoint = log.path;
          process.kill(-run.child.pid, 'SIGKILL');
        }
      },
    });
    killedGroup = run.child.pid;
    const killed = await run.exited;
    assert.ok(epochOneCheckpoint, `no "checkpoint written" line for epoch 1 before the run ended\n${describe(killed)}`);
    assert.equal(killed.signal, 'SIGKILL', `the run was not killed by our signal (exit ${killed.code})\n${describe(killed)}`);
    assert.ok(!existsSync(join(out, 'summary.json')), 'the killed run must not have finished');
    await waitUntil(() => processGroupMembers(killedGroup).length === 0, 5_000, `the killed cluster's processes (group ${killedGroup}) to exit`);
    killedGroup = undefined;
    const latest = JSON.parse(readFileSync(join(out, 'checkpoints', 'latest.json'), 'utf8'));
    assert.equal(latest.epoch, 1, 'the newest checkpoint at the kill is the end of epoch 1');
    assert.deepEqual(listCheckpoints(out), [latest.checkpoint]);

    const resumedRun = await runCli([...runArgs(out), '--resume']);
    const resumed = readSummary(resumedRun);
    assert.ok(
      resumedRun.logs.some((l) => l.role === 'ps' && l.msg === 'all workers joined; training' && l.step === latest.step),
      `the resumed run starts training at the checkpoint's step ${latest.step}`,
    );
    assert.equal(resumed.summary.epochs, 2);
    assert.equal(resumed.summary.steps, whole.summary.steps);
    assert.deepEqual(resumed.summary.history.map((h) => h.lr), whole.summary.history.map((h) => h.lr));
    assert.equal(resumed.summary.history[0].valLoss, whole.summary.history[0].valLoss, 'epoch 1 history comes from the checkpoint');
    assert.equal(resumed.summary.testAccuracy, whole.summary.testAccuracy);

    const expected = readCheckpointWeights(whole.summary.modelPath);
    const actual = readCheckpointWeights(resumed.summary.modelPath);
    assert.deepEqual(actual.map((w) => w.name), expected.map((w) => w.name));
    actual.forEach((w, i) => {
      const e = expected[i].values;
      let maxDiff = 0;
      for (let j = 0; j < e.length; j++) maxDiff = Math.max(maxDiff, Math.abs(w.values[j] - e[j]));
      assert.ok(Buffer.from(w.values.buffer).equals(Buffer.from(e.buffer)), `${w.name} differs after resume (max |diff| ${maxDiff})`);
    });
  } finally {
    if (killedGroup !== undefined) {
      try {
        process.kill(-killedGroup, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    rmSync(root, { recursive: true, force: true });
  }
}

test('SIGKILL of the cluster after epoch 1, then --resume, ends bitwise with the parameters of an uninterrupted run', { timeout: 120_000 }, () =>
  killAndResume({ preset: 'mlp', dropoutFc: 0 }),
);

test('the same with dropout on (the mlp preset as is): masks are keyed by rank and step, not by process', { timeout: 120_000 }, () =>
  killAndResume({ preset: 'mlp' }),
);
