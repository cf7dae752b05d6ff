// Test helpers: small dataset files of each format, written to a fresh temp dir.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

export function tempDir(prefix = 'tensorfleet-data-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** An unsigned-byte IDX file for an array of the given dimensions. */
export function idxBytes(dims: number[], data: ArrayLike<number>): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header[2] = 0x08;
  header[3] = dims.length;
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, Buffer.from(Uint8Array.from(data))]);
}

/** count images of h×w whose pixel (y, x) of image n is (n * 7 + y * w + x) % 256, labels n % classes. */
export function writeIdxPair(dir: string, { count = 6, h = 4, w = 5, classes = 3, gzip = false } = {}) {
  const pixels = Array.from({ length: count * h * w }, (_, i) => {
    const n = Math.floor(i / (h * w));
    return (n * 7 + (i % (h * w))) % 256;
  });
  const labels = Array.from({ length: count }, (_, n) => n % classes);
  const ext = gzip ? '.gz' : '';
  const images = join(dir, `images-idx3-ubyte${ext}`);
  const labelsFile = join(dir, `labels-idx1-ubyte${ext}`);
  const imgBytes = idxBytes([count, h, w], pixels);
  const labBytes = idxBytes([count], labels);
  writeFileSync(images, gzip ? gzipSync(imgBytes) : imgBytes);
  writeFileSync(labelsFile, gzip ? gzipSync(labBytes) : labBytes);
  return { images, labels: labelsFile, pixels, labelValues: labels };
}

/** A CIFAR-10 batch of `count` records: label n % 10, channel c pixel p = (n + 3c + p) % 256. */
export function cifarBytes(count: number): Buffer {
  const rec = 3073;
  const buf = Buffer.alloc(count * rec);
  for (let n = 0; n < count; n++) {
    buf[n * rec] = n % 10;
    for (let c = 0; c < 3; c++) for (let p = 0; p < 1024; p++) buf[n * rec + 1 + c * 1024 + p] = (n + 3 * c + p) % 256;
  }
  return buf;
}
