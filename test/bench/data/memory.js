// Resident memory per dataset, for `npm run bench -- data`: each dataset (generated here in a temp folder, CIFAR-10 at
// its full 60,000 images) is loaded by a fresh process exactly as a worker loads it (loadDatasetSpec: source, seeded
// splits, statistics), once as core holds it (bytes where the source is 8-bit) and once with every split turned into
// float32 (what a float-only representation costs), side by side. RSS is measured after a full GC, minus the RSS of
// the same process before loading (node + tfjs + core).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';
import { idxHeader } from '../../e2e/helpers/datasets.js';

const MB = 1024 * 1024;

/** Deterministic pseudo-random bytes (a 32-bit LCG's high byte): data that does not compress or repeat. */
function fillBytes(buf, seed) {
  let s = seed >>> 0;
  for (let i = 0; i < buf.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    buf[i] = s >>> 24;
  }
}

function writeCifar(file, count) {
  const fd = openSync(file, 'w');
  const chunk = Buffer.alloc(1000 * 3073);
  for (let done = 0; done < count; done += 1000) {
    const n = Math.min(1000, count - done);
    fillBytes(chunk, done + 1);
    for (let r = 0; r < n; r++) chunk[r * 3073] = (done + r) % 10;
    writeSync(fd, chunk, 0, n * 3073);
  }
  closeSync(fd);
}

function writeIdx(dir, count) {
  const pixels = Buffer.alloc(count * 784);
  fillBytes(pixels, 7);
  writeFileSync(join(dir, 'images-idx3-ubyte'), Buffer.concat([idxHeader([count, 28, 28]), pixels]));
  writeFileSync(join(dir, 'labels-idx1-ubyte'), Buffer.concat([idxHeader([count]), Buffer.from(Array.from({ length: count }, (_, i) => i % 10))]));
}

function writeCsv(file, rows) {
  const row = Buffer.alloc(784);
  const lines = [];
  for (let r = 0; r < rows; r++) {
    fillBytes(row, r + 3);
    lines.push(`${r % 10},${Array.from(row).join(',')}`);
  }
  writeFileSync(file, lines.join('\n') + '\n');
}

function writeImages(root, perClass) {
  const img = new PNG({ width: 32, height: 32 });
  for (let c = 0; c < 10; c++) {
    mkdirSync(join(root, `class${c}`), { recursive: true });
    for (let i = 0; i < perClass; i++) {
      fillBytes(img.data, c * 1000 + i);
      for (let p = 3; p < img.data.length; p += 4) img.data[p] = 255;
      writeFileSync(join(root, `class${c}`, `${i}.png`), PNG.sync.write(img, { colorType: 2 }));
    }
  }
}

/** The datasets, with the files they need written into `dir`. */
function datasets(dir, { cifarCount, idxCount, csvRows, imagesPerClass }) {
  writeCifar(join(dir, 'cifar.bin'), cifarCount);
  writeIdx(dir, idxCount);
  writeCsv(join(dir, 'pixels.csv'), csvRows);
  writeImages(join(dir, 'images'), imagesPerClass);
  return [
    { name: 'mnist-digits', count: 10000, spec: { source: 'mnist-digits' } },
    { name: 'idx', count: idxCount, spec: { source: { idx: { images: join(dir, 'images-idx3-ubyte'), labels: join(dir, 'labels-idx1-ubyte') } } } },
    { name: 'cifar10', count: cifarCount, spec: { source: { cifar10: [join(dir, 'cifar.bin')] } } },
    { name: 'csv', count: csvRows, spec: { source: { csv: { path: join(dir, 'pixels.csv'), labelColumn: 0, shape: [28, 28, 1], scale: 1 / 255 } } } },
    { name: 'imageFolder', count: imagesPerClass * 10, spec: { source: { imageFolder: { path: join(dir, 'images'), size: [32, 32] } } } },
  ];
}

/** Full GCs with pauses between: freed buffers (the file read, the source before its split) leave RSS lazily. */
async function settle() {
  for (let i = 0; i < 3; i++) {
    globalThis.gc();
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

/** In a child process: load the spec as a worker does, optionally as floats, and report memory in bytes. */
async function child(spec, asFloat) {
  const core = await import('@tensorfleet/core');
  await settle();
  const before = process.memoryUsage().rss;
  const t0 = performance.now();
  const data = core.loadDatasetSpec(spec);
  const loadMs = performance.now() - t0;
  if (asFloat) {
    for (const [name, split] of Object.entries(data.splits)) {
      const { levels: _levels, ...rest } = split;
      data.splits[name] = { ...rest, images: Float32Array.from(core.pixelValues(split)) };
    }
    data.train = data.splits.train;
    data.val = data.splits.val;
    data.test = data.splits.test;
  }
  await settle();
  const after = process.memoryUsage().rss;
  const held = Object.values(data.splits).reduce((n, s) => n + s.images.byteLength, 0);
  const kind = data.train.images instanceof Uint8Array ? 'uint8' : 'float32';
  console.log(JSON.stringify({ rss: after - before, totalRss: after, baseRss: before, peakRss: process.resourceUsage().maxRSS * 1024, held, kind, loadMs }));
}

function measure(spec, asFloat) {
  const r = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), '--child', JSON.stringify({ spec, asFloat })], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  if (r.status !== 0) throw new Error(`memory child failed (${r.status}):\n${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1));
}

/**
 * RSS per dataset, compact (as core holds it) and float32, each in its own process.
 * @returns {Promise<object[]>} one row per dataset: {dataset, count, kind, rssMB, floatRssMB, ratio, peakRssMB, loadMs}
 */
export async function memoryPerDataset({ cifarCount = 60000, idxCount = 60000, csvRows = 10000, imagesPerClass = 200, log = () => {} } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'tf-bench-data-'));
  try {
    log(`  writing datasets to ${dir} (CIFAR-10 format: ${cifarCount.toLocaleString()} images, ${((cifarCount * 3073) / MB).toFixed(0)} MB)`);
    const rows = [];
    for (const d of datasets(dir, { cifarCount, idxCount, csvRows, imagesPerClass })) {
      const compact = measure(d.spec, false);
      const floats = measure(d.spec, true);
      const row = {
        dataset: d.name,
        count: d.count,
        kind: compact.kind,
        rssMB: Number((compact.rss / MB).toFixed(1)),
        floatRssMB: Number((floats.rss / MB).toFixed(1)),
        ratio: Number((floats.rss / compact.rss).toFixed(2)),
        heldMB: Number((compact.held / MB).toFixed(1)),
        peakRssMB: Number((compact.peakRss / MB).toFixed(1)),
        processRssMB: Number((compact.totalRss / MB).toFixed(1)),
        loadMs: Math.round(compact.loadMs),
      };
      rows.push(row);
      log(
        `  ${d.name.padEnd(13)} ${String(d.count).padStart(6)} samples  ${row.kind.padEnd(7)}  RSS +${String(row.rssMB).padStart(6)} MB` +
          `  (float32: +${row.floatRssMB} MB, ${row.ratio}×)  process ${row.processRssMB} MB, peak ${row.peakRssMB} MB, load ${row.loadMs} ms`,
      );
    }
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child' && process.argv[1] === fileURLToPath(import.meta.url)) {
  const { spec, asFloat } = JSON.parse(process.argv[3]);
  await child(spec, asFloat);
}
