// Test helpers: small dataset files of each format, written to a fresh temp dir.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { encode as encodeJpeg } from 'jpeg-js';
import { PNG } from 'pngjs';

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

/** A PNG file's bytes of an RGB(A) or gray image given as interleaved 8-bit `data` with `channels` 1, 3 or 4. */
export function pngBytes(width: number, height: number, channels: 1 | 3 | 4, data: ArrayLike<number>): Buffer {
  const png = new PNG({ width, height });
  for (let p = 0; p < width * height; p++) {
    for (let k = 0; k < 3; k++) png.data[4 * p + k] = data[p * channels + (channels === 1 ? 0 : k)]!;
    png.data[4 * p + 3] = channels === 4 ? data[p * 4 + 3]! : 255;
  }
  return PNG.sync.write(png, channels === 1 ? { colorType: 0 } : channels === 3 ? { colorType: 2 } : { colorType: 6 });
}

/** A JPEG file's bytes (quality 95) of an RGB image given as interleaved 8-bit `rgb`. */
export function jpegBytes(width: number, height: number, rgb: ArrayLike<number>): Buffer {
  const rgba = Buffer.alloc(width * height * 4, 255);
  for (let p = 0; p < width * height; p++) for (let k = 0; k < 3; k++) rgba[4 * p + k] = rgb[3 * p + k]!;
  return encodeJpeg({ width, height, data: rgba }, 95).data;
}

/**
 * An image folder (root/CLASS/IMAGE) of `perClass` images per class, alternating PNG and JPEG files of mixed sizes
 * (the size given and 1.5 times it): class k's images are a flat colour of brightness 40 + 170 k / (classes - 1) with
 * a one-pixel-wide vertical bar, so a tiny model separates them. Returns the root.
 */
export function writeImageFolder(root: string, { classes = ['cat', 'dog'], perClass = 4, size = 8 } = {}): string {
  classes.forEach((name, k) => {
    const dir = join(root, name);
    mkdirSync(dir, { recursive: true });
    const level = Math.round(40 + (170 * k) / Math.max(1, classes.length - 1));
    for (let i = 0; i < perClass; i++) {
      const side = i % 3 === 2 ? Math.round(size * 1.5) : size;
      const rgb = new Uint8Array(side * side * 3);
      for (let p = 0; p < side * side; p++) {
        const bar = p % side === (i + k) % side ? 60 : 0;
        for (let c = 0; c < 3; c++) rgb[3 * p + c] = Math.min(255, level + bar + 5 * c);
      }
      const file = join(dir, `${String(i).padStart(3, '0')}${i % 2 ? '.jpg' : '.png'}`);
      writeFileSync(file, i % 2 ? jpegBytes(side, side, rgb) : pngBytes(side, side, 3, rgb));
    }
  });
  return root;
}
