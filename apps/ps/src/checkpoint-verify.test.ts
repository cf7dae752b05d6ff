// Corrupt checkpoints of a real run, then resume from them: each broken file is found, named, and passed over for the
// previous good checkpoint (or, when there is none, the resume fails naming it); the run never ends pointing at a
// broken checkpoint, and the fallback run ends bitwise where the untouched run ended.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Packr } from 'msgpackr';
import { logMessages } from '@tensorfleet/protocol';
import { loadCheckpoint } from './checkpoint.js';
import { MANIFEST_FILE } from './checkpoint-manifest.js';
import { captureLogger, job as makeJob, logger, runCluster, token } from './cluster.test-util.js';
import { startParameterServer } from './parameter-server.js';
import { startParameterShard } from './parameter-shard.js';

const packr = new Packr({ moreTypes: true, useRecords: false });
const options = (dir: string, resume = false) => ({
  workers: 2,
  job: makeJob({ epochs: 2, maxStepsPerEpoch: 4 }),
  optimizer: { name: 'sgd' as const, options: { lr: 0.05, momentum: 0.9 } },
  checkpoint: { dir },
  resume,
});
const NEWEST = 'ckpt-000000008';
const OLDER = 'ckpt-000000004';

let root = '';
let finalParameters: Float32Array[] = [];
before(async () => {
  root = mkdtempSync(join(tmpdir(), 'tf-ckpt-verify-'));
  // The real run every case starts from: 2 epochs of 4 steps, so checkpoints at steps 4 and 8 (keep 2).
  const { summary } = await runCluster(options(join(root, 'run')));
  finalParameters = summary.parameters;
});
after(() => rmSync(root, { recursive: true, force: true }));

/** A copy of the real run's checkpoints for one case. */
function copyOfRun(name: string): string {
  const dir = join(root, name);
  cpSync(join(root, 'run'), dir, { recursive: true });
  return dir;
}

async function resume(dir: string) {
  const lines: Record<string, unknown>[] = [];
  const { summary } = await runCluster({ ...options(dir, true), logger: captureLogger(lines) });
  const start = lines.find((l) => l.msg === logMessages.training);
  return { summary, lines, warnings: lines.filter((l) => l.level === 40).map((l) => String(l.msg)), startStep: start?.step };
}

const corruptions: Array<{ what: string; file: string; corrupt: (path: string) => void; says: RegExp }> = [
  { what: 'truncated weights.bin', file: 'weights.bin', corrupt: (p) => truncateSync(p, 100), says: /100 bytes, the manifest says \d+/ },
  { what: 'deleted model.json', file: 'model.json', corrupt: (p) => rmSync(p), says: /missing/ },
  {
    what: 'one flipped bit in state.msgpack',
    file: 'state.msgpack',
    corrupt: (p) => {
      const bytes = readFileSync(p);
      bytes[bytes.length >> 1]! ^= 0x10; // inside a parameter's float bytes: msgpack still decodes, only the hash sees it
      assert.doesNotThrow(() => packr.unpack(bytes), 'the flipped file still decodes (so only the manifest can catch it)');
      writeFileSync(p, bytes);
    },
    says: /sha256 mismatch/,
  },
  { what: 'truncated state.msgpack', file: 'state.msgpack', corrupt: (p) => truncateSync(p, 1000), says: /1000 bytes, the manifest says \d+/ },
  { what: 'deleted manifest.json', file: MANIFEST_FILE, corrupt: (p) => rmSync(p), says: /missing/ },
];

for (const { what, file, corrupt, says } of corruptions) {
  test(`${what} in the newest checkpoint: resume falls back to the older one with a warning naming the file`, async () => {
    const dir = copyOfRun(`fallback-${what.replace(/\W+/g, '-')}`);
    const bad = join(dir, NEWEST, file);
    corrupt(bad);
    const { summary, warnings, startStep } = await resume(dir);
    const warning = warnings.find((w) => w.includes(bad));
    assert.ok(warning, `a warning names ${bad}: ${JSON.stringify(warnings)}`);
    assert.match(warning, says);
    assert.equal(startStep, 4, 'training resumed from the older checkpoint (step 4)');
    assert.ok(existsSync(join(dir, `${NEWEST}.broken`)), 'the broken checkpoint is set aside');
    assert.equal(summary.checkpoint, join(dir, NEWEST), 'the run re-wrote its newest checkpoint');
    assert.equal(loadCheckpoint(summary.checkpoint!).unverified, false, 'and it verifies');
    summary.parameters.forEach((p, i) =>
      assert.ok(Buffer.from(p.buffer).equals(Buffer.from(finalParameters[i]!.buffer)), `parameter ${i} differs from the untouched run's`),
    );
  });

  test(`${what} in the only checkpoint: resume fails naming the file`, async () => {
    const dir = copyOfRun(`only-${what.replace(/\W+/g, '-')}`);
    rmSync(join(dir, OLDER), { recursive: true });
    const bad = join(dir, NEWEST, file);
    corrupt(bad);
    await assert.rejects(startParameterServer({ token, ...options(dir, true) }), (e: Error) => {
      assert.ok(e.message.includes(bad), `the error names ${bad}: ${e.message}`);
      assert.match(e.message, says);
      return true;
    });
  });
}

test('garbage latest.json: resume ignores it with a warning naming it and goes on from the newest checkpoint that verifies', async () => {
  const dir = copyOfRun('garbage-pointer');
  writeFileSync(join(dir, 'latest.json'), '{"checkpoint": "ckpt-0000');
  const { summary, warnings, startStep } = await resume(dir);
  assert.ok(warnings.some((w) => w.includes(join(dir, 'latest.json')) && /not valid JSON/.test(w)), JSON.stringify(warnings));
  assert.equal(startStep, 8, 'nothing to fall back from: the checkpoints themselves are good');
  assert.equal(summary.checkpoint, join(dir, NEWEST));
  assert.deepEqual(JSON.parse(readFileSync(join(dir, 'latest.json'), 'utf8')), { checkpoint: NEWEST, step: 8, epoch: 2 }, 'the pointer is repaired');
});

test('garbage latest.json and no checkpoint folder: resume fails naming latest.json', async () => {
  const dir = join(root, 'pointer-only');
  cpSync(join(root, 'run', 'latest.json'), join(dir, 'latest.json'), { recursive: true });
  writeFileSync(join(dir, 'latest.json'), 'garbage');
  await assert.rejects(startParameterServer({ token, ...options(dir, true) }), (e: Error) => e.message.includes(join(dir, 'latest.json')));
});

test('a checkpoint from before manifests is accepted with a warning, but its structure is still checked', async () => {
  const dir = copyOfRun('legacy');
  for (const name of [OLDER, NEWEST]) {
    const folder = join(dir, name);
    rmSync(join(folder, MANIFEST_FILE));
    const { format: _format, ...legacy } = packr.unpack(readFileSync(join(folder, 'state.msgpack'))) as Record<string, unknown>;
    writeFileSync(join(folder, 'state.msgpack'), packr.pack(legacy));
  }
  truncateSync(join(dir, NEWEST, 'weights.bin'), 64); // structure: model.json's weights manifest no longer fits
  const { summary, warnings, startStep } = await resume(dir);
  assert.ok(warnings.some((w) => w.includes(join(dir, NEWEST, 'weights.bin')) && /64 bytes, model.json's weights need \d+/.test(w)), JSON.stringify(warnings));
  assert.ok(warnings.some((w) => w.includes(join(dir, OLDER, MANIFEST_FILE)) && /before manifests/.test(w)), JSON.stringify(warnings));
  assert.equal(startStep, 4);
  assert.equal(loadCheckpoint(summary.checkpoint!).unverified, false, 'the checkpoint the resumed run wrote has a manifest');
});

test('a sharded run: the shards\' parts are in the manifest and pruned with their checkpoint; a broken part falls back', async () => {
  const dir = join(root, 'sharded');
  const sharded = async (resume: boolean, lines: Record<string, unknown>[] = []) => {
    const shard = await startParameterShard({ token, logger });
    try {
      return await runCluster({ ...options(dir, resume), shards: [shard.url], logger: captureLogger(lines) });
    } finally {
      await shard.close();
    }
  };
  const { summary: untouched } = await sharded(false);
  assert.deepEqual(readdirSync(join(dir, 'shard-1')).sort(), ['part-000000004.msgpack', 'part-000000008.msgpack'], 'parts of pruned checkpoints go too');
  const manifest = JSON.parse(readFileSync(join(dir, NEWEST, MANIFEST_FILE), 'utf8'));
  assert.deepEqual(Object.keys(manifest.shardParts), ['shard-1/part-000000008.msgpack']);

  const part = join(dir, 'shard-1', 'part-000000008.msgpack');
  const bytes = readFileSync(part);
  bytes[bytes.length >> 1]! ^= 0x01;
  writeFileSync(part, bytes);
  const lines: Record<string, unknown>[] = [];
  const { summary } = await sharded(true, lines);
  assert.ok(lines.some((l) => l.level === 40 && String(l.msg).includes(part) && /sha256 mismatch/.test(String(l.msg))), 'the warning names the part');
  assert.ok(lines.some((l) => l.msg === logMessages.training && l.step === 4), 'resumed from step 4');
  summary.parameters.forEach((p, i) => assert.ok(Buffer.from(p.buffer).equals(Buffer.from(untouched.parameters[i]!.buffer)), `parameter ${i}`));
});
