import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { STALE_TEMP_AGE_MS } from './atomic-file.js';
import { assertWritableFolder, FolderNotWritableError, prepareCheckpointFolder } from './checkpoint-folder.js';

const host = hostname().replace(/[^A-Za-z0-9.-]/g, '_');

test('stale temp files and folders of dead writers are removed at start; a live writer\'s are kept', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tf-stale-'));
  try {
    // A pid that was alive a moment ago and is gone now: a child that has exited.
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const deadPid = Number(dead.stdout);
    assert.ok(deadPid > 0);
    const folder = (name: string, mtime?: Date) => {
      mkdirSync(join(dir, name), { recursive: true });
      writeFileSync(join(dir, name, 'weights.bin'), 'half a file');
      if (mtime) utimesSync(join(dir, name), mtime, mtime);
      return name;
    };
    const old = new Date(Date.now() - STALE_TEMP_AGE_MS - 60_000);
    const stale = [
      folder(`ckpt-000000012.tmp-${deadPid}@${host}`), // this layout, dead writer on this host
      folder(`.tmp-ckpt-000000012-${deadPid}`), // the layout before writer tags
      folder(`ckpt-000000016.tmp-1@elsewhere`, old), // another host's, older than the age limit
    ];
    writeFileSync(join(dir, `latest.json.tmp-${deadPid}@${host}`), '{"checkp');
    mkdirSync(join(dir, 'shard-1'));
    writeFileSync(join(dir, 'shard-1', `part-000000012.msgpack.tmp-${deadPid}`), 'half');
    const kept = [
      folder(`ckpt-000000020.tmp-${process.pid}@${host}`), // this process's own (written after it started)
      folder(`ckpt-000000024.tmp-1@${host}`), // pid 1 is alive
      folder('ckpt-000000028.tmp-1@elsewhere'), // another host's, recent: its writer may be alive
      folder('ckpt-000000008'), // a checkpoint
    ];
    const warnings = prepareCheckpointFolder(dir);
    for (const name of stale) assert.ok(!existsSync(join(dir, name)), `${name} removed`);
    assert.ok(!existsSync(join(dir, `latest.json.tmp-${deadPid}@${host}`)));
    assert.deepEqual(readdirSync(join(dir, 'shard-1')), [], 'the shard folder\'s dead temp part removed');
    for (const name of kept) assert.ok(existsSync(join(dir, name)), `${name} kept`);
    assert.equal(warnings.length, 5, warnings.join('\n'));
    assert.ok(warnings.every((w) => /removed \(a temp left by a writer that is gone\)/.test(w)));
    assert.ok(!readdirSync(dir).some((n) => n.startsWith('.write-probe')), 'the writability probe leaves nothing');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an unwritable folder is named with the reason (a path under a file); a missing one is created', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tf-unwritable-'));
  try {
    writeFileSync(join(dir, 'file'), '');
    const under = join(dir, 'file', 'out');
    assert.throws(() => assertWritableFolder(under), (e: Error) => e instanceof FolderNotWritableError && e.message.startsWith(`${under}: not writable (ENOTDIR`));
    assert.doesNotThrow(() => assertWritableFolder(join(dir, 'new', 'nested')), 'a missing folder is created');
    assert.ok(existsSync(join(dir, 'new', 'nested')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
