import { test } from 'node:test';
import assert from 'node:assert/strict';
import { presetSpec } from '@tensorfleet/core';
import { DATA_CHUNK_BYTES } from './data-files.js';
import { ProtocolError } from './errors.js';
import { decodeFrame, encodeFrame } from './frame.js';
import { validateTrainJobSpec } from './job.js';
import { PROTOCOL_VERSION } from './messages.js';
import { validateMessage } from './validate.js';

const hash = 'ab'.repeat(32);
const roundTrip = (raw: Record<string, unknown>, from: 'worker' | 'server') => validateMessage(decodeFrame(encodeFrame(raw as never)), { from });

function rejection(raw: Record<string, unknown>, from: 'worker' | 'server'): ProtocolError {
  try {
    roundTrip(raw, from);
  } catch (e) {
    assert.ok(e instanceof ProtocolError);
    return e;
  }
  assert.fail('accepted');
}

test('file-request and file-chunk pass in their direction only, with their bytes intact', () => {
  assert.deepEqual(roundTrip({ type: 'file-request', v: PROTOCOL_VERSION, sha256: hash, offset: DATA_CHUNK_BYTES }, 'worker'), {
    type: 'file-request', v: PROTOCOL_VERSION, sha256: hash, offset: DATA_CHUNK_BYTES,
  });
  const data = Uint8Array.from({ length: 1000 }, (_, i) => i % 251);
  const chunk = roundTrip({ type: 'file-chunk', v: PROTOCOL_VERSION, sha256: hash, offset: DATA_CHUNK_BYTES, size: DATA_CHUNK_BYTES + 1000, data }, 'server');
  assert.deepEqual(chunk.type === 'file-chunk' && Array.from(chunk.data), Array.from(data));
  assert.equal(rejection({ type: 'file-chunk', v: PROTOCOL_VERSION, sha256: hash, offset: 0, size: 3, data: new Uint8Array(3) }, 'worker').code, 'unexpected-message');
  assert.equal(rejection({ type: 'file-request', v: PROTOCOL_VERSION, sha256: hash, offset: 0 }, 'server').code, 'unexpected-message');
});

test('bad data-file messages are refused naming the field', () => {
  const bad = (raw: Record<string, unknown>, from: 'worker' | 'server', field: RegExp) => {
    const e = rejection(raw, from);
    assert.equal(e.code, 'bad-field');
    assert.match(e.message, field);
  };
  bad({ type: 'file-request', v: PROTOCOL_VERSION, sha256: '../../etc/passwd', offset: 0 }, 'worker', /"file-request"\.sha256: expected 64 lowercase hex digits/);
  bad({ type: 'file-request', v: PROTOCOL_VERSION, sha256: hash.toUpperCase(), offset: 0 }, 'worker', /\.sha256/);
  bad({ type: 'file-request', v: PROTOCOL_VERSION, sha256: hash, offset: -1 }, 'worker', /"file-request"\.offset/);
  const chunk = { type: 'file-chunk', v: PROTOCOL_VERSION, sha256: hash, offset: 0, size: 10 };
  bad({ ...chunk, data: new Uint8Array(9) }, 'server', /"file-chunk"\.data: expected 10 bytes .* for offset 0 of 10/);
  bad({ ...chunk, size: DATA_CHUNK_BYTES * 2, data: new Uint8Array(DATA_CHUNK_BYTES + 1) }, 'server', /\.data: expected 262144 bytes/);
  bad({ ...chunk, offset: 11, data: new Uint8Array(0) }, 'server', /"file-chunk"\.offset: expected an integer in \[0, 10\]/);
  bad({ ...chunk, data: 'ten bytes!' }, 'server', /\.data/);
});

test('a job spec names its data files with size and sha256; malformed lists name the entry', () => {
  const job = { model: presetSpec('mlp'), dataset: { source: 'mnist-digits' }, batchSize: 8, epochs: 1, dataSeed: 0 };
  const dataFiles = [{ path: '/data/a.idx', size: 12, sha256: hash }];
  assert.deepEqual(validateTrainJobSpec({ ...job, dataFiles }).dataFiles, dataFiles);
  const refused = (files: unknown, message: RegExp) => assert.throws(() => validateTrainJobSpec({ ...job, dataFiles: files }), message);
  refused([{ path: '/a', size: 1, sha256: 'xyz' }], /dataFiles\.0\.sha256: expected 64 lowercase hex digits/);
  refused([{ path: '/a', size: -1, sha256: hash }], /dataFiles\.0\.size/);
  refused([{ path: '', size: 1, sha256: hash }], /dataFiles\.0\.path/);
  refused([...dataFiles, ...dataFiles], /dataFiles\.1\.path: "\/data\/a\.idx" is named twice/);
  refused([{ ...dataFiles[0], url: 'x' }], /dataFiles\.0.*url/);
  refused({}, /dataFiles/);
});
