import test from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { loadIdx } from './idx.js';
import { loadCifar10 } from './cifar10.js';
import { loadCsv } from './csv.js';
import { DataFormatError } from './errors.js';
import { pixelValues } from './pixels.js';
import { cifarBytes, idxBytes, tempDir, writeIdxPair } from './fixture-files.js';

function expectFormatError(fn: () => unknown, file: string, where: { offset?: number; line?: number }, expected: RegExp) {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof DataFormatError, `expected DataFormatError, got ${e}`);
    assert.equal(e.file, file);
    if (where.offset !== undefined) assert.equal(e.offset, where.offset, e.message);
    if (where.line !== undefined) assert.equal(e.line, where.line, e.message);
    assert.match(e.message, expected);
    assert.ok(e.message.startsWith(file), e.message);
    return true;
  });
}

for (const gzip of [false, true]) {
  test(`loadIdx reads an images/labels pair (${gzip ? 'gzipped' : 'raw'})`, () => {
    const dir = tempDir();
    const f = writeIdxPair(dir, { gzip });
    const ds = loadIdx({ images: f.images, labels: f.labels, name: 'fashion-mnist' });
    assert.deepEqual([ds.count, ds.height, ds.width, ds.channels, ds.numClasses], [6, 4, 5, 1, 10]);
    assert.deepEqual(Array.from(ds.labels), f.labelValues);
    assert.ok(ds.images instanceof Uint8Array, 'one byte per pixel');
    assert.deepEqual(Array.from(pixelValues(ds)), f.pixels.map((p) => Math.fround(p / 255)));
    assert.ok(ds.allowedTransforms?.includes('randomHorizontalFlip'));
    assert.ok(!ds.allowedTransforms?.includes('randomVerticalFlip'));
  });
}

test('loadIdx names the file, offset and expectation of truncated or malformed files', () => {
  const dir = tempDir();
  const f = writeIdxPair(dir);
  const good = readFileSync(f.images);
  const bad = join(dir, 'bad');
  writeFileSync(bad, good.subarray(0, good.length - 7));
  expectFormatError(() => loadIdx({ images: bad, labels: f.labels }), bad, { offset: good.length - 7 }, /120 data bytes.*truncated by 7 bytes/);
  writeFileSync(bad, good.subarray(0, 10));
  expectFormatError(() => loadIdx({ images: bad, labels: f.labels }), bad, { offset: 10 }, /3 4-byte dimension sizes ending at byte 16/);
  writeFileSync(bad, Buffer.from([0x12, 0x34, 8, 1]));
  expectFormatError(() => loadIdx({ images: bad, labels: f.labels }), bad, { offset: 0 }, /IDX magic bytes 0x00 0x00, found 0x12 0x34/);
  writeFileSync(bad, Buffer.concat([idxBytes([2], [0, 1]).subarray(0, 2), Buffer.from([0x0d, 1, 0, 0, 0, 2])]));
  expectFormatError(() => loadIdx({ images: bad, labels: f.labels }), bad, { offset: 2 }, /data type 0x08 \(unsigned byte\), found 0x0d/);
  writeFileSync(bad, Buffer.concat([good, Buffer.from([1, 2])]));
  expectFormatError(() => loadIdx({ images: bad, labels: f.labels }), bad, { offset: good.length }, /2 extra bytes/);
  // gzip cut short
  writeFileSync(bad, gzipSync(good).subarray(0, 20));
  expectFormatError(() => loadIdx({ images: bad, labels: f.labels }), bad, { offset: 0 }, /complete gzip stream/);
  // labels of the wrong length
  writeFileSync(bad, idxBytes([5], [0, 1, 2, 0, 1]));
  assert.throws(() => loadIdx({ images: f.images, labels: bad }), /has 5 labels but .* has 6 images/);
  // a label beyond numClasses points at its byte
  writeFileSync(bad, idxBytes([6], [0, 1, 2, 9, 1, 0]));
  expectFormatError(() => loadIdx({ images: f.images, labels: bad, numClasses: 3 }), bad, { offset: 11 }, /label below numClasses 3, found 9/);
  assert.throws(() => loadIdx({ images: join(dir, 'missing'), labels: f.labels }), /missing: cannot read dataset file/);
});

test('loadCifar10 converts planar records to NHWC and concatenates batches', () => {
  const dir = tempDir();
  const a = join(dir, 'data_batch_1.bin');
  const b = join(dir, 'data_batch_2.bin.gz');
  writeFileSync(a, cifarBytes(3));
  writeFileSync(b, gzipSync(cifarBytes(2)));
  const ds = loadCifar10([a, b]);
  assert.deepEqual([ds.count, ds.height, ds.width, ds.channels, ds.numClasses], [5, 32, 32, 3, 10]);
  assert.deepEqual(Array.from(ds.labels), [0, 1, 2, 0, 1]);
  // sample 1, pixel (row 2, col 5) = p 69, channel 2 -> (1 + 6 + 69) % 256
  assert.ok(ds.images instanceof Uint8Array, 'one byte per pixel');
  const values = pixelValues(ds);
  assert.equal(values[1 * 3072 + (2 * 32 + 5) * 3 + 2], Math.fround(76 / 255));
  // sample 3 is the first record of the second file (n = 0 there): channel 0 pixel 0 = 0
  assert.equal(values[3 * 3072], 0);
  assert.equal(values[3 * 3072 + 1], Math.fround(3 / 255));
});

test('loadCifar10 reports truncated records and bad labels with their byte offsets', () => {
  const dir = tempDir();
  const f = join(dir, 'batch.bin');
  writeFileSync(f, cifarBytes(2).subarray(0, 3073 + 100));
  expectFormatError(() => loadCifar10([f]), f, { offset: 3173 }, /complete 3073-byte record .* starting at byte 3073.*after 100 bytes/);
  const bytes = cifarBytes(3);
  bytes[2 * 3073] = 12;
  writeFileSync(f, bytes);
  expectFormatError(() => loadCifar10([f]), f, { offset: 6146 }, /label byte in 0..9, found 12/);
  const many = cifarBytes(1200); // read in pieces of 1024 records: the offset counts from the file's start
  many[1100 * 3073] = 10;
  writeFileSync(f, many);
  expectFormatError(() => loadCifar10([f]), f, { offset: 1100 * 3073 }, /label byte in 0..9, found 10/);
  writeFileSync(f, Buffer.alloc(0));
  expectFormatError(() => loadCifar10([f]), f, { offset: 0 }, /empty file/);
  assert.throws(() => loadCifar10([]), /non-empty array of file paths/);
});

test('loadCsv reads features and a named label column with a header', () => {
  const dir = tempDir();
  const f = join(dir, 'iris.csv');
  writeFileSync(f, 'sepal,species,petal\n1.5,"setosa",2\n3,virginica,4.25\n\n-1,setosa,0\n');
  const ds = loadCsv({ path: f, labelColumn: 'species' });
  assert.deepEqual([ds.count, ds.height, ds.width, ds.channels, ds.numClasses], [3, 1, 1, 2, 2]);
  assert.ok(ds.images instanceof Float32Array, 'non-integer features stay float32');
  assert.deepEqual(Array.from(pixelValues(ds)), [1.5, 2, 3, 4.25, -1, 0]);
  assert.deepEqual(Array.from(ds.labels), [0, 1, 0]);
  assert.deepEqual(ds.classNames, ['setosa', 'virginica']);
  assert.deepEqual(ds.allowedTransforms, []);
});

test('loadCsv without a header takes a label index (negative from the end), shape and scale', () => {
  const dir = tempDir();
  const f = join(dir, 'pixels.csv');
  writeFileSync(f, '2,0,255,51,102\r\n0,255,0,0,0\r\n');
  const ds = loadCsv({ path: f, labelColumn: 0, shape: [2, 2, 1], scale: 1 / 255 });
  assert.deepEqual([ds.count, ds.height, ds.width, ds.channels, ds.numClasses], [2, 2, 2, 1, 3]);
  assert.deepEqual(Array.from(ds.labels), [2, 0]);
  assert.ok(ds.images instanceof Uint8Array, 'byte-valued features are held as bytes');
  assert.deepEqual(Array.from(pixelValues(ds)), [0, 1, 0.2, 0.4, 1, 0, 0, 0].map(Math.fround));
  assert.equal(ds.allowedTransforms, undefined);
  const last = loadCsv({ path: f, labelColumn: -1 });
  assert.deepEqual(Array.from(last.labels), [102, 0]);
  const auto = loadCsv({ path: f });
  assert.deepEqual(Array.from(auto.labels), [102, 0], 'default label column is the last one');
});

test('loadCsv names the file and line of malformed rows', () => {
  const dir = tempDir();
  const f = join(dir, 'bad.csv');
  writeFileSync(f, 'a,b,label\n1,2,0\n1,x,1\n');
  expectFormatError(() => loadCsv({ path: f }), f, { line: 3 }, /a number in column "b", found "x"/);
  writeFileSync(f, 'a,b,label\n1,2,0\n1,2\n');
  expectFormatError(() => loadCsv({ path: f }), f, { line: 3 }, /3 columns separated by ",", found 2/);
  writeFileSync(f, 'a,b,label\n1,2,0\n1,2,1.5\n');
  expectFormatError(() => loadCsv({ path: f }), f, { line: 3 }, /non-negative integer label/);
  writeFileSync(f, 'a,b,label\n1,2,0\n1,2,\n');
  expectFormatError(() => loadCsv({ path: f }), f, { line: 3 }, /a label, found an empty cell/);
  writeFileSync(f, '');
  expectFormatError(() => loadCsv({ path: f }), f, { line: 1 }, /empty file/);
  writeFileSync(f, 'a,b,label\n1,2,0\n');
  assert.throws(() => loadCsv({ path: f, labelColumn: 'class' }), /labelColumn "class" is not in the header \(a, b, label\)/);
  assert.throws(() => loadCsv({ path: f, labelColumn: 3 }), /labelColumn 3 is out of range for 3 columns/);
  assert.throws(() => loadCsv({ path: f, shape: [2, 2, 1] }), /holds 4 values but each row has 2 feature columns/);
});
