// Small learnable datasets in every file format tensorfleet reads, written by the tests themselves: class c of an
// image is a bright quadrant (c mod 4) over a dark, noisy background, so a tiny MLP learns it within one epoch.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encode as encodeJpeg } from 'jpeg-js';
import { PNG } from 'pngjs';

/** Deterministic noise in [0, 1). */
function noise(seed) {
  let s = seed >>> 0 || 1;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/** `count` images of side×side×channels bytes and their labels (n mod classes). */
export function samples({ count = 400, side = 8, channels = 1, classes = 4, seed = 1 } = {}) {
  const rand = noise(seed);
  const pixels = new Uint8Array(count * side * side * channels);
  const labels = Uint8Array.from({ length: count }, (_, n) => n % classes);
  const half = side / 2;
  for (let n = 0; n < count; n++) {
    const q = labels[n] % 4;
    for (let y = 0; y < side; y++) {
      for (let x = 0; x < side; x++) {
        const inQuadrant = (y < half) === (q < 2) && (x < half) === (q % 2 === 0);
        for (let c = 0; c < channels; c++) pixels[((n * side + y) * side + x) * channels + c] = Math.round((inQuadrant ? 190 : 30) + 40 * rand());
      }
    }
  }
  return { pixels, labels, count, side, channels, classes };
}

/** The header of an unsigned-byte IDX array of these dimensions. */
export function idxHeader(dims) {
  const h = Buffer.alloc(4 + 4 * dims.length);
  h[2] = 0x08;
  h[3] = dims.length;
  dims.forEach((d, i) => h.writeUInt32BE(d, 4 + 4 * i));
  return h;
}

/** An IDX images/labels pair (MNIST format). Returns the two file names inside `dir`. */
export function writeIdx(dir, options = {}) {
  const s = samples(options);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'images.idx3-ubyte'), Buffer.concat([idxHeader([s.count, s.side, s.side]), s.pixels]));
  writeFileSync(join(dir, 'labels.idx1-ubyte'), Buffer.concat([idxHeader([s.count]), s.labels]));
  return { ...s, images: 'images.idx3-ubyte', labels: 'labels.idx1-ubyte' };
}

/** A CIFAR-10 format batch (32×32×3 records: label byte, then the R, G, B planes). Returns the file name. */
export function writeCifar(dir, { count = 300 } = {}) {
  const s = samples({ count, side: 32, channels: 3 });
  const plane = 32 * 32;
  const out = Buffer.alloc(count * (1 + 3 * plane));
  for (let n = 0; n < count; n++) {
    const r = n * (1 + 3 * plane);
    out[r] = s.labels[n];
    for (let p = 0; p < plane; p++) for (let c = 0; c < 3; c++) out[r + 1 + c * plane + p] = s.pixels[(n * plane + p) * 3 + c];
  }
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'data_batch_1.bin'), out);
  return 'data_batch_1.bin';
}

/** A CSV of 8×8 pixel rows with a header and a string label column ("north-west", ...). Returns the file name. */
export function writeCsv(dir, options = {}) {
  const s = samples(options);
  const names = ['north-west', 'north-east', 'south-west', 'south-east'];
  const size = s.side * s.side;
  const lines = [[...Array.from({ length: size }, (_, i) => `p${i}`), 'label'].join(',')];
  for (let n = 0; n < s.count; n++) lines.push([...s.pixels.subarray(n * size, (n + 1) * size), names[s.labels[n] % 4]].join(','));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'pixels.csv'), lines.join('\n') + '\n');
  return 'pixels.csv';
}

/** An image folder (dir/CLASS/IMAGE): PNG and JPEG files alternating, 12×12 RGB (resized by the loader). */
export function writeImageFolder(dir, { perClass = 40 } = {}) {
  const s = samples({ count: perClass * 4, side: 12, channels: 3 });
  const names = ['a-north-west', 'b-north-east', 'c-south-west', 'd-south-east'];
  const size = 12 * 12;
  for (let n = 0; n < s.count; n++) {
    const folder = join(dir, names[s.labels[n]]);
    mkdirSync(folder, { recursive: true });
    const rgba = Buffer.alloc(size * 4, 255);
    for (let p = 0; p < size; p++) for (let c = 0; c < 3; c++) rgba[p * 4 + c] = s.pixels[(n * size + p) * 3 + c];
    if (n % 2) writeFileSync(join(folder, `${n}.jpg`), encodeJpeg({ width: 12, height: 12, data: rgba }, 95).data);
    else {
      const png = new PNG({ width: 12, height: 12 });
      rgba.copy(png.data);
      writeFileSync(join(folder, `${n}.png`), PNG.sync.write(png, { colorType: 2 }));
    }
  }
  return names;
}
