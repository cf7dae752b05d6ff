// Checkpoints as a user meets them through `tensorfleet train`: a real run's checkpoints are damaged the ways disks
// and people damage them, then `--resume` must fall back to the previous good checkpoint naming what was wrong (or
// fail naming the file), remove a dead writer's temp folder, and end with a summary.modelPath that verifies; a
// mid-epoch kill and resume must report that epoch as the uninterrupted run does; an unwritable --out is refused
// before training with one line and exit 2.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync,
} from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliPath, describe, processGroupMembers, readCheckpointWeights, readSummary, runCli, startCli } from './helpers/cli.js';

// mlp on 30% of the digits at batch 128: 11 steps an epoch; a checkpoint every 4 steps and at epoch ends, so the
// run keeps ckpt-20 (mid-epoch 1) and ckpt-22 (the end).
const NEWEST = 'ckpt-000000022';
const OLDER = 'ckpt-000000020';
let root = '';
let config = '';
let whole;
const runArgs = (out, ...more) => ['train', '--config', config, '--epochs', '2', '--batch-size', '128', '--seed', '3', '--checkpoint-every', '4', '--out', out, '--json', ...more];

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'tf-e2e-ckpt-'));
  config = join(root, 'config.json');
  writeFileSync(config, JSON.stringify({ model: { preset: 'mlp' }, data: { split: [0.3, 0.1, 0.6] } }));
  const run = await runCli(runArgs(join(root, 'whole')));
  whole = { ...readSummary(run), logs: run.logs };
});
after(() => rmSync(root, { recursive: true, force: true }));

/** A run folder holding a copy of the real run's checkpoints (no summary): what a crashed run leaves. */
function copyOfRun(name) {
  const out = join(root, name);
  cpSync(join(root, 'whole', 'checkpoints'), join(out, 'checkpoints'), { recursive: true });
  return out;
}

/** Checks a checkpoint folder against its manifest.json independently of the code under test. */
function assertVerifies(folder) {
  const manifest = JSON.parse(readFileSync(join(folder, 'manifest.json'), 'utf8'));
  assert.deepEqual(Object.keys(manifest.files).sort(), ['model.json', 'normalization.json', 'state.msgpack', 'weights.bin']);
  for (const [name, { size, sha256 }] of Object.entries(manifest.files)) {
    const bytes = readFileSync(join(folder, name));
    assert.equal(bytes.length, size, `${folder}/${name} size`);
    assert.equal(createHash('sha256').update(bytes).digest('hex'), sha256, `${folder}/${name} sha256`);
  }
}

const warningsOf = (logs) => logs.filter((l) => l.level === 40).map((l) => String(l.msg));
const epochLine = (logs, epoch) => {
  const l = logs.find((x) => x.role === 'ps' && x.msg === 'epoch' && x.epoch === epoch);
  assert.ok(l, `an epoch ${epoch} line`);
  return { loss: l.loss, accuracy: l.accuracy, samples: l.samples, valLoss: l.valLoss, step: l.step };
};

const corruptions = [
  ['truncated weights.bin', 'weights.bin', (p) => truncateSync(p, 100), /100 bytes, the manifest says \d+/],
  ['deleted model.json', 'model.json', (p) => rmSync(p), /missing/],
  ['one flipped bit in state.msgpack', 'state.msgpack', (p) => {
    const bytes = readFileSync(p);
    bytes[bytes.length >> 1] ^= 0x04;
    writeFileSync(p, bytes);
  }, /sha256 mismatch/],
  ['truncated state.msgpack', 'state.msgpack', (p) => truncateSync(p, 2000), /2000 bytes, the manifest says \d+/],
];

for (const [what, file, corrupt, says] of corruptions) {
  const slug = what.replace(/\W+/g, '-');
  test(`train --resume with ${what} in the newest checkpoint falls back to the previous one, naming the file`, { timeout: 180_000 }, async () => {
    const out = copyOfRun(`fallback-${slug}`);
    const bad = join(out, 'checkpoints', NEWEST, file);
    corrupt(bad);
    // A checkpoint write of a writer that died (a child that has exited: its pid is gone), as a crash leaves it.
    const deadPid = Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
    const stale = join(out, 'checkpoints', `${NEWEST}.tmp-${deadPid}@${hostname().replace(/[^A-Za-z0-9.-]/g, '_')}`);
    mkdirSync(stale);
    writeFileSync(join(stale, 'weights.bin'), 'half');

    const run = await runCli(runArgs(out, '--resume'));
    const warnings = warningsOf(run.logs);
    const warning = warnings.find((w) => w.includes(bad));
    assert.ok(warning, `a warning names ${bad}:\n${warnings.join('\n')}`);
    assert.match(warning, says);
    assert.ok(warnings.some((w) => w.includes(stale) && /removed/.test(w)), `the stale temp folder is reported removed:\n${warnings.join('\n')}`);
    assert.ok(!existsSync(stale), 'the dead writer\'s temp folder is gone');
    assert.ok(run.logs.some((l) => l.msg === 'all workers joined; training' && l.step === 20), 'resumed from ckpt-20');

    const { summary } = readSummary(run);
    assert.equal(summary.modelPath, join(out, 'checkpoints', NEWEST));
    assertVerifies(summary.modelPath);
    const expected = readCheckpointWeights(whole.summary.modelPath);
    readCheckpointWeights(summary.modelPath).forEach((w, i) =>
      assert.ok(Buffer.from(w.values.buffer).equals(Buffer.from(expected[i].values.buffer)), `${w.name} differs from the untouched run's`),
    );
    // ckpt-20 is 9 steps into epoch 1: that epoch's line still averages all 11 of its steps, as the untouched run's.
    assert.deepEqual(epochLine(run.logs, 1), epochLine(whole.logs, 1));
  });

  test(`train --resume with ${what} in the only checkpoint fails naming the file`, { timeout: 120_000 }, async () => {
    const out = copyOfRun(`only-${slug}`);
    rmSync(join(out, 'checkpoints', OLDER), { recursive: true });
    const bad = join(out, 'checkpoints', NEWEST, file);
    corrupt(bad);
    const run = await startCli(runArgs(out, '--resume')).exited;
    assert.equal(run.code, 1, describe(run));
    const failure = run.logs.find((l) => l.level >= 50);
    assert.ok(failure && String(failure.err).includes(bad), `the failure names ${bad}\n${describe(run)}`);
    assert.match(String(failure.err), says);
    assert.ok(!existsSync(join(out, 'summary.json')));
  });
}

test('train --resume with a garbage latest.json goes on from the newest checkpoint, saying latest.json was ignored', { timeout: 120_000 }, async () => {
  const out = copyOfRun('garbage-pointer');
  const pointer = join(out, 'checkpoints', 'latest.json');
  writeFileSync(pointer, '\u0000\u0013garbage');
  const run = await runCli(runArgs(out, '--resume'));
  assert.ok(warningsOf(run.logs).some((w) => w.includes(pointer) && /not valid JSON/.test(w)), describe(run));
  const { summary } = readSummary(run);
  assert.equal(summary.modelPath, join(out, 'checkpoints', NEWEST));
  assertVerifies(summary.modelPath);
  assert.equal(summary.testAccuracy, whole.summary.testAccuracy);
  assert.equal(JSON.parse(readFileSync(pointer, 'utf8')).checkpoint, NEWEST, 'latest.json repaired');
});

test('train --resume with a garbage latest.json and no checkpoint folder fails naming latest.json', { timeout: 120_000 }, async () => {
  const out = join(root, 'pointer-only');
  mkdirSync(join(out, 'checkpoints'), { recursive: true });
  const pointer = join(out, 'checkpoints', 'latest.json');
  writeFileSync(pointer, 'garbage');
  const run = await startCli(runArgs(out, '--resume')).exited;
  assert.equal(run.code, 1, describe(run));
  assert.ok(run.logs.some((l) => l.level >= 50 && String(l.err).includes(pointer)), describe(run));
});

test('SIGKILL mid-epoch, then --resume: the epoch line averages all the epoch\'s steps, bitwise as the uninterrupted run\'s', { timeout: 180_000 }, async () => {
  const out = join(root, 'killed');
  let group;
  try {
    const run = startCli(runArgs(out), {
      detached: true,
      onLine: (_, log) => {
        // Step 16 is 5 steps into epoch 1.
        if (log?.msg === 'checkpoint written' && log.step === 16) process.kill(-run.child.pid, 'SIGKILL');
      },
    });
    group = run.child.pid;
    const killed = await run.exited;
    assert.equal(killed.signal, 'SIGKILL', describe(killed));
    for (let i = 0; i < 100 && processGroupMembers(group).length; i++) await new Promise((r) => setTimeout(r, 50));
    group = undefined;
    const latest = JSON.parse(readFileSync(join(out, 'checkpoints', 'latest.json'), 'utf8'));
    assert.ok(latest.step > 11 && latest.step < 22, `the newest checkpoint is inside epoch 1 (step ${latest.step})`);

    const resumed = await runCli(runArgs(out, '--resume'));
    assert.ok(resumed.logs.some((l) => l.msg === 'all workers joined; training' && l.step === latest.step));
    assert.deepEqual(epochLine(resumed.logs, 1), epochLine(whole.logs, 1));
    const { summary } = readSummary(resumed);
    assert.deepEqual(summary.history.map((h) => [h.loss, h.accuracy]), whole.summary.history.map((h) => [h.loss, h.accuracy]));
  } finally {
    if (group !== undefined) {
      try {
        process.kill(-group, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
});

test('an unwritable --out is refused before training: one line naming the folder, exit 2', { timeout: 60_000 }, async () => {
  writeFileSync(join(root, 'a-file'), '');
  const underFile = join(root, 'a-file', 'run');
  const readOnly = join(root, 'read-only');
  mkdirSync(readOnly);
  chmodSync(readOnly, 0o555);
  chmodSync(root, 0o755); // mkdtemp's 0700 would stop the unprivileged user before the folder under test
  // Root writes through permission bits, so the read-only case runs the CLI as the unprivileged user `nobody` then.
  const asUser = process.getuid() === 0 ? { uid: 65534, gid: 65534 } : {};
  const cases = [[underFile, /ENOTDIR/, {}], [join(readOnly, 'run'), /EACCES/, asUser]];
  for (const [out, reason, ids] of cases) {
    const started = Date.now();
    const r = spawnSync(process.execPath, [cliPath, ...runArgs(out)], { encoding: 'utf8', ...ids, timeout: 50_000 });
    assert.equal(r.status, 2, `exit code for --out ${out}: ${r.status}\n${r.stderr}`);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], new RegExp(`^tensorfleet: out \\(--out\\): ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not writable \\(`));
    assert.match(lines[0], reason);
    assert.equal(r.stdout, '', 'nothing started: no log lines');
    assert.ok(Date.now() - started < 50_000);
  }
});
