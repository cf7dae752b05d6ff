import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launcherNames } from '@tensorfleet/protocol';
import { jobLauncherNames } from './job-launchers.js';
import { notRunLive } from './k8s-train.js';

const bin = fileURLToPath(new URL('../bin.js', import.meta.url));
const run = (args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 120_000 });

test('train refuses a bad flag or config field with exit 2 and names it', () => {
  const flag = run(['train', '--epochs', 'three']);
  assert.equal(flag.status, 2); // commander's usage errors are usage errors too
  assert.match(flag.stderr, /--epochs expects an integer, got "three"/);
  for (const [args, named] of [
    [['--lr', 'abc'], /--lr expects a number, got "abc"/],
    [['--epochs', '1.5'], /--epochs expects an integer, got "1.5"/],
    [['--preset', 'foo'], /--preset.*foo/],
    [['--no-such-flag'], /unknown option '--no-such-flag'/],
  ] as const) {
    const r = run(['train', ...args]);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, named);
  }
  const field = run(['train', '--workers', '0', '--out', mkdtempSync(join(tmpdir(), 'tf-train-'))]);
  assert.equal(field.status, 2);
  assert.match(field.stderr, /workers: .*>=\s*1/);
});

test('--launcher takes the process and the whole-job launchers: another name is exit 2 naming every one', () => {
  const known = [...launcherNames, ...jobLauncherNames];
  assert.ok(known.includes('local') && known.includes('ssh') && known.includes('slurm') && known.includes('kubernetes'), known.join());
  const r = run(['train', '--launcher', 'nomad']);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /--launcher.*nomad/);
  for (const name of known) assert.match(r.stderr, new RegExp(`\\b${name}\\b`), `${name} named in: ${r.stderr}`);
  const help = run(['train', '--help']);
  assert.equal(help.status, 0);
  assert.ok(help.stdout.replace(/\s+/g, ' ').includes(notRunLive), 'train --help says the kubernetes launcher has not run live');
  // A flag the kubernetes launcher would not use is refused, not dropped (its pods read the --config file).
  const dropped = run(['train', '--launcher', 'kubernetes', '--epochs', '3']);
  assert.equal(dropped.status, 2, dropped.stderr);
  assert.match(dropped.stderr, /^tensorfleet: --epochs is not used by --launcher kubernetes/m);
});

test('a diverging recipe stops the cluster quickly with exit 3 and a "diverged" line', () => {
  const out = mkdtempSync(join(tmpdir(), 'tf-train-'));
  const r = run(['train', '--preset', 'mlp', '--epochs', '1', '--lr', '1e12', '--out', out, '--json']);
  assert.equal(r.status, 3, r.stdout.slice(-2000) + r.stderr.slice(-2000));
  const diverged = r.stdout.split('\n').filter((l) => l.includes('"msg":"diverged"'));
  assert.equal(diverged.length, 1);
  assert.match(diverged[0]!, /non-finite/);
});
