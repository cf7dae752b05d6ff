// `tensorfleet train` on a real pseudo-terminal (util-linux `script`), as a person sees it, and the files it leaves.
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { metricsCsvColumns, parseMetricsCsv, roles, runFiles, type RunSummary } from '@tensorfleet/protocol';

const bin = fileURLToPath(new URL('../bin.js', import.meta.url));
const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Runs the CLI under a pseudo-terminal: stdout and stderr are a TTY, as in a terminal window. */
function underPty(args: string[]): { status: number | null; raw: string } {
  const command = [process.execPath, bin, ...args].map(quote).join(' ');
  const r = spawnSync('script', ['-qec', command, '/dev/null'], { encoding: 'utf8', timeout: 300_000, env: { ...process.env, COLUMNS: '160' } });
  if (r.error) throw new Error(`script (util-linux) is needed for this test: ${r.error.message}`);
  return { status: r.status, raw: r.stdout };
}

/** What stays on the screen: each newline-ended line as its last redraw left it (bars redraw with \r and ESC[2K). */
function screenLines(raw: string): string[] {
  return raw.split('\n').map((line) => {
    const segments = line.replace(/\r$/, '').split(/\r|\x1b\[2K|\x1b\[1G/);
    return (segments.at(-1) ?? '').replace(/\x1b\[[0-9;?]*[a-zA-Z]|\x1b[78]/g, '').trimEnd();
  }).filter((l) => l !== '');
}

/** Keys of a JSON object line, duplicates kept (JSON.parse would hide them). */
function keysOf(line: string): string[] {
  const keys: string[] = [];
  JSON.parse(line, function (key) {
    if (this && typeof this === 'object' && !Array.isArray(this) && key !== '' && Object.getPrototypeOf(this) === Object.prototype) keys.push(key);
    return arguments[1] as unknown;
  });
  return keys;
}

test('a 3-epoch run on a terminal: one Keras line per epoch, a short backend line, at most 10 lines; log.jsonl and metrics.csv written', { timeout: 320_000 }, () => {
  execFileSync('script', ['--version']); // util-linux: fail, never skip, when it is missing
  const out = mkdtempSync(join(tmpdir(), 'tf-tty-'));
  const { status, raw } = underPty(['train', '--preset', 'mlp', '--epochs', '3', '--batch-size', '64', '--metrics-port', '0', '--out', out]);
  const lines = screenLines(raw);
  assert.equal(status, 0, lines.join('\n'));
  assert.ok(raw.split('\n').length - 1 <= 10, `a whole run prints at most 10 lines, got:\n${lines.join('\n')}`);

  const epochs = lines.filter((l) => l.startsWith('Epoch '));
  assert.equal(epochs.length, 3, lines.join('\n'));
  const keras = /^Epoch (\d+)\/3 (\d+)\/\2 \[={30}\] \d+(\.\d)?s \d+(\.\d)?ms\/step - loss: \d+\.\d{4} - acc: [01]\.\d{4} - val_loss: \d+\.\d{4} - val_acc: [01]\.\d{4} - lr: [\d.e-]+$/;
  epochs.forEach((l, i) => {
    const m = keras.exec(l);
    assert.ok(m, `not a Keras epoch line: ${JSON.stringify(l)}`);
    assert.equal(m[1], String(i + 1));
  });
  // The progress bar ran with ETA, ms/step and the running loss/accuracy.
  assert.match(raw, /Epoch 2\/3 \d+\/\d+ \[=*\.*\] ETA: \S+ \d+(\.\d)?ms\/step - loss: \d\.\d{4} - acc: [01]\.\d{4}/);
  const screen = lines.join('\n');
  assert.doesNotMatch(screen, /\d\.\d{7,}/, 'no 16-digit floats');
  assert.equal(lines.filter((l) => /\bbackend\b/.test(l)).length, 1, screen);
  assert.doesNotMatch(screen, /Cannot find package/, "the backend's reason is for --verbose and the log, not the screen");
  assert.match(screen, /^Test: loss: \d+\.\d{4} - acc: [01]\.\d{4}/m);
  assert.equal(lines.at(-1), join(out, runFiles.summary));

  // log.jsonl: every role and rank, `role` on every line, no duplicate key, one run id.
  const logLines = readFileSync(join(out, runFiles.log), 'utf8').trim().split('\n');
  const records = logLines.map((l) => JSON.parse(l) as Record<string, unknown>);
  for (const [i, line] of logLines.entries()) {
    const keys = keysOf(line);
    assert.deepEqual(keys, [...new Set(keys)], `duplicate key in ${line}`);
    assert.ok(roles.includes(records[i]!.role as never), `no role on ${line}`);
  }
  assert.deepEqual(new Set(records.map((r) => r.role)), new Set(['cli', 'ps', 'worker']));
  assert.deepEqual(new Set(records.filter((r) => r.role === 'worker' && r.rank !== undefined).map((r) => r.rank)), new Set([0, 1]));
  const runs = new Set(records.filter((r) => r.run !== undefined).map((r) => r.run));
  assert.equal(runs.size, 1, `one run id, got ${[...runs].join(', ')}`);
  const summary = JSON.parse(readFileSync(join(out, runFiles.summary), 'utf8')) as RunSummary;
  assert.equal(summary.run, [...runs][0]);
  assert.equal(records.filter((r) => r.msg === 'epoch').length, 3);

  // metrics.csv: the contract's header and one row per epoch, matching the history.
  const csv = readFileSync(join(out, runFiles.metrics), 'utf8');
  assert.equal(csv.split('\n')[0], metricsCsvColumns.join(','));
  const rows = parseMetricsCsv(csv);
  assert.deepEqual(rows.map((r) => r.epoch), [0, 1, 2]);
  rows.forEach((r, i) => assert.equal(r.valAccuracy, summary.history[i]!.valAccuracy));

  // `tensorfleet logs RUN_DIR` reads log.jsonl back; a run folder has no trials.
  const logs = spawnSync(process.execPath, [bin, 'logs', out, '--json'], { encoding: 'utf8' });
  assert.equal(logs.status, 0, logs.stderr);
  assert.equal(logs.stdout.trim().split('\n').length, logLines.length);
  const trial = spawnSync(process.execPath, [bin, 'logs', out, '--trial', '1'], { encoding: 'utf8' });
  assert.equal(trial.status, 2);
  assert.match(trial.stderr, /--trial needs a study/);
});

test('--json on a terminal keeps one JSON object per line; --quiet prints only the summary path', { timeout: 320_000 }, () => {
  const out = mkdtempSync(join(tmpdir(), 'tf-tty-json-'));
  const json = underPty(['train', '--preset', 'mlp', '--epochs', '1', '--batch-size', '128', '--metrics-port', '0', '--out', out, '--json']);
  assert.equal(json.status, 0);
  const lines = json.raw.split('\n').map((l) => l.replace(/\r$/, '')).filter(Boolean);
  assert.equal(lines.at(-1), join(out, runFiles.summary));
  for (const l of lines.slice(0, -1)) assert.doesNotThrow(() => JSON.parse(l), `not JSON: ${l}`);
  assert.ok(lines.some((l) => l.includes('"msg":"epoch"')));

  const quiet = underPty(['train', '--preset', 'mlp', '--epochs', '1', '--batch-size', '128', '--metrics-port', '0', '--out', out, '--quiet']);
  assert.equal(quiet.status, 0);
  assert.deepEqual(screenLines(quiet.raw), [join(out, runFiles.summary)]);
});
