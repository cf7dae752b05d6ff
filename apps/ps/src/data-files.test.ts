import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectProtocolClient, DATA_CHUNK_BYTES, type ProtocolError, type ServerMessage } from '@tensorfleet/protocol';
import { job, logger, smallMlp, token } from './cluster.test-util.js';
import { withDataFiles } from './data-files.js';
import { startParameterServer } from './parameter-server.js';

/** An IDX pair of 400 28×28 images (313,616 bytes: two chunks) in a fresh folder. */
function idxFolder() {
  const dir = mkdtempSync(join(tmpdir(), 'tf-ps-files-'));
  const header = (dims: number[]) => {
    const h = Buffer.alloc(4 + 4 * dims.length);
    h[2] = 0x08;
    h[3] = dims.length;
    dims.forEach((d, i) => h.writeUInt32BE(d, 4 + 4 * i));
    return h;
  };
  const pixels = Buffer.from(Array.from({ length: 400 * 784 }, (_, i) => (i * 7) % 256));
  writeFileSync(join(dir, 'images'), Buffer.concat([header([400, 28, 28]), pixels]));
  writeFileSync(join(dir, 'labels'), Buffer.concat([header([400]), Buffer.from(Array.from({ length: 400 }, (_, i) => i % 10))]));
  return dir;
}

const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const idxJob = () => job({ model: smallMlp(), dataset: { source: { idx: { images: 'images', labels: 'labels' } }, split: { ratios: [0.8, 0.1, 0.1], seed: 1 } } });

test('withDataFiles: absolute data paths, each file named with size and sha256; pinned hashes are checked', () => {
  const dir = idxFolder();
  const prepared = withDataFiles(idxJob(), dir);
  assert.deepEqual(prepared.dataset.source, { idx: { images: join(dir, 'images'), labels: join(dir, 'labels') } });
  assert.deepEqual(prepared.dataFiles, [
    { path: join(dir, 'images'), size: 16 + 400 * 784, sha256: sha(join(dir, 'images')) },
    { path: join(dir, 'labels'), size: 8 + 400, sha256: sha(join(dir, 'labels')) },
  ]);
  const wrong = { path: 'labels', size: 408, sha256: 'ab'.repeat(32) };
  assert.throws(() => withDataFiles({ ...idxJob(), dataFiles: [wrong] }, dir), new RegExp(`^Error: ${join(dir, 'labels')}: has sha256 ${sha(join(dir, 'labels'))} \\(408 bytes\\) but the job names sha256 abab`));
  assert.throws(() => withDataFiles({ ...idxJob(), dataFiles: [{ ...wrong, path: 'other' }] }, dir), /dataFiles: names .*other, which the dataset does not read/);
  assert.deepEqual(withDataFiles(job(), dir).dataFiles, [], 'bundled digits: no files');
});

test('the PS serves exactly its job\'s files, by hash and in chunks, and refuses anything else', async () => {
  const dir = idxFolder();
  const ps = await startParameterServer({ token, logger, workers: 1, job: idxJob(), baseDir: dir, scheduler: null, rejoinTimeoutMs: 30_000 });
  try {
    const connect = async () => {
      const client = await connectProtocolClient({ url: ps.url, token, reconnect: false });
      const got: ServerMessage[] = [];
      client.on('message', (m: ServerMessage) => got.push(m));
      while (!got.some((m) => m.type === 'job')) await new Promise((r) => setTimeout(r, 5));
      return { client, got };
    };
    const { client, got } = await connect();
    const jobMsg = got.find((m) => m.type === 'job')!;
    const files = (jobMsg.type === 'job' ? jobMsg.spec['dataFiles'] : []) as { path: string; size: number; sha256: string }[];
    assert.deepEqual(files.map((f) => f.path), [join(dir, 'images'), join(dir, 'labels')]);
    const images = readFileSync(join(dir, 'images'));
    const chunks: Buffer[] = [];
    for (const offset of [0, DATA_CHUNK_BYTES]) {
      client.send({ type: 'file-request', sha256: files[0]!.sha256, offset });
      while (!got.some((m) => m.type === 'file-chunk' && m.offset === offset)) await new Promise((r) => setTimeout(r, 5));
      const chunk = got.find((m) => m.type === 'file-chunk' && m.offset === offset)!;
      assert.ok(chunk.type === 'file-chunk' && chunk.size === images.length);
      chunks.push(Buffer.from(chunk.data));
    }
    assert.equal(chunks[0]!.length, DATA_CHUNK_BYTES);
    assert.deepEqual(Buffer.concat(chunks), images, 'two chunks are the whole file');

    const failed = once(client, 'failed');
    client.send({ type: 'file-request', sha256: sha(join(dir, 'labels')).replace(/^./, (c) => (c === '0' ? '1' : '0')), offset: 0 });
    assert.match(((await failed) as [ProtocolError])[0].message, /"file-request"\.sha256: no data file of this job has sha256/);
    const second = await connect();
    const pastEnd = once(second.client, 'failed');
    second.client.send({ type: 'file-request', sha256: files[1]!.sha256, offset: 408 });
    assert.match(((await pastEnd) as [ProtocolError])[0].message, /"file-request"\.offset: 408 is past the end of a 408-byte file/);
  } finally {
    await ps.close();
    await ps.done.catch(() => {});
  }
});
