// After `npm ci` in a fresh clone (what CI does before `npm test`), `npx tensorfleet` runs the command from the
// repository root: the root depends on the cli workspace, whose bin is a committed file (not dist/, absent at install).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

test('npx tensorfleet runs from the repository root without a download', () => {
  const version = JSON.parse(readFileSync(new URL('../../apps/cli/package.json', import.meta.url), 'utf8')).version;
  assert.ok(existsSync(`${root}node_modules/.bin/tensorfleet`), 'npm linked node_modules/.bin/tensorfleet');
  const out = execFileSync('npx', ['--no-install', 'tensorfleet', '--version'], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  assert.equal(out.trim(), version);
  const help = execFileSync('npx', ['--no-install', 'tensorfleet', 'train', '--help'], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  assert.match(help, /Usage: tensorfleet train/);
});
