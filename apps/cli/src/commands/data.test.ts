import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../bin.js', import.meta.url));
const run = (args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 60_000 });
const pngSignature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

test('data preview writes a PNG grid of augmented digits', () => {
  const out = join(mkdtempSync(join(tmpdir(), 'tf-preview-')), 'grid.png');
  const r = run(['data', 'preview', '--out', out, '--count', '9', '--shift', '0.1', '--erasing', '1']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /grid\.png \(\d+x\d+\)/);
  const png = readFileSync(out);
  assert.deepEqual(png.subarray(0, 8), pngSignature);
  // IHDR: 3 columns of 28×2-pixel cells with 2-pixel gaps.
  assert.equal(png.readUInt32BE(16), 3 * 56 + 4 * 2);
});

test('data preview refuses vertical flips of digits without --force, in one line', () => {
  const out = join(mkdtempSync(join(tmpdir(), 'tf-preview-')), 'grid.png');
  const refused = run(['data', 'preview', '--out', out, '--vflip', '0.5']);
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, /^tensorfleet: augment\.randomVerticalFlip is not label-preserving .*6 into a 9/);
  assert.doesNotMatch(refused.stderr, /\n\s+at /); // no stack trace for a user's mistake
  assert.equal(run(['data', 'preview', '--out', out, '--vflip', '0.5', '--force']).status, 0);
});
