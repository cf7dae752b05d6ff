import test from 'node:test';
import assert from 'node:assert/strict';
import { eraseBox, randomErasingBox, shiftFlip, type ImageShape } from './transforms.js';
import { Mt19937, Sfc32 } from './rng.js';
import { loadFixture } from '../testing/assert.js';

const shape: ImageShape = { height: 3, width: 4, channels: 2 };
const src = Float32Array.from({ length: 24 }, (_, i) => i + 1);
const at = (img: ArrayLike<number>, y: number, x: number, c: number) => img[(y * shape.width + x) * shape.channels + c]!;

/** Reference: a shift, then a horizontal flip, then a vertical flip, as three separate naive steps. */
function naive(dx: number, dy: number, hflip: boolean, vflip: boolean, fill: number): number[] {
  const { height: H, width: W, channels: C } = shape;
  let img = (y: number, x: number, c: number) => (y - dy >= 0 && y - dy < H && x - dx >= 0 && x - dx < W ? at(src, y - dy, x - dx, c) : fill);
  if (hflip) { const prev = img; img = (y, x, c) => prev(y, W - 1 - x, c); }
  if (vflip) { const prev = img; img = (y, x, c) => prev(H - 1 - y, x, c); }
  const out: number[] = [];
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) for (let c = 0; c < C; c++) out.push(img(y, x, c));
  return out;
}

test('shiftFlip equals a shift followed by flips, with the fill value shifted in', () => {
  const dst = new Float32Array(24);
  for (let dx = -4; dx <= 4; dx++) {
    for (let dy = -3; dy <= 3; dy++) {
      for (const hflip of [false, true]) {
        for (const vflip of [false, true]) {
          shiftFlip(src, 0, dst, 0, shape, { dx, dy, hflip, vflip, fill: -7 });
          assert.deepEqual(Array.from(dst), naive(dx, dy, hflip, vflip, -7), `dx ${dx} dy ${dy} h ${hflip} v ${vflip}`);
        }
      }
    }
  }
  shiftFlip(src, 0, dst, 0, shape, { dx: 0, dy: 0, hflip: true, vflip: false, fill: 0 });
  const twice = new Float32Array(24);
  shiftFlip(dst, 0, twice, 0, shape, { dx: 0, dy: 0, hflip: true, vflip: false, fill: 0 });
  assert.deepEqual(twice, src, 'flipping twice is the identity');
});

test('brightness multiplies and clamps to [0, 1] (torchvision adjust_brightness on float images)', () => {
  const pixels = Float32Array.from([0, 0.1, 0.5, 0.7, 0.9, 1]);
  const s: ImageShape = { height: 1, width: 6, channels: 1 };
  const out = new Float32Array(6);
  shiftFlip(pixels, 0, out, 0, s, { dx: 0, dy: 0, hflip: false, vflip: false, fill: 0, brightness: 1.5 });
  assert.deepEqual(Array.from(out), [0, 0.15, 0.75, 1, 1, 1].map(Math.fround));
  shiftFlip(pixels, 0, out, 0, s, { dx: 0, dy: 0, hflip: false, vflip: false, fill: 0, brightness: 0.5 });
  assert.deepEqual(Array.from(out), [0, 0.05, 0.25, 0.35, 0.45, 0.5].map(Math.fround));
});

interface ErasingCase { channels: number; height: number; width: number; p: number; scale: [number, number]; ratio: [number, number]; boxes: (number[] | null)[] }
const reference = loadFixture<{ randomErasing: ErasingCase[] }>('data/torch_reference.json');

test("randomErasingBox draws torchvision's boxes for torch-seeded generators (incl. the 10-attempt fallback)", () => {
  for (const c of reference.randomErasing) {
    c.boxes.forEach((want, seed) => {
      const box = randomErasingBox(new Mt19937(seed), c.height, c.width, c);
      assert.deepEqual(box && [box.i, box.j, box.h, box.w], want, `${c.height}x${c.width} seed ${seed}`);
    });
    assert.ok(c.boxes.some((b) => b === null) && c.boxes.some((b) => b !== null));
  }
});

test('erased boxes lie inside the image, within scale and ratio (up to rounding), applied with probability p', () => {
  const g = new Sfc32(99);
  const H = 28, W = 20, trials = 4000, p = 0.7;
  let applied = 0;
  for (let t = 0; t < trials; t++) {
    const box = randomErasingBox(g, H, W, { p, scale: [0.02, 0.33], ratio: [0.3, 3.3] });
    if (!box) continue;
    applied++;
    assert.ok(box.i >= 0 && box.j >= 0 && box.i + box.h <= H && box.j + box.w <= W && box.h >= 1 && box.w >= 1, JSON.stringify(box));
    assert.ok(box.h < H && box.w < W);
    // h = round(sqrt(A r)), w = round(sqrt(A / r)): the rounded sides bound A and r
    const area = H * W;
    assert.ok((box.h - 0.5) * (box.w - 0.5) <= 0.33 * area + 1e-9, `area ${box.h * box.w} too large`);
    assert.ok((box.h + 0.5) * (box.w + 0.5) >= 0.02 * area - 1e-9, `area ${box.h * box.w} too small`);
    assert.ok((box.h - 0.5) / (box.w + 0.5) <= 3.3 && (box.h + 0.5) / (box.w - 0.5) >= 0.3, `ratio ${box.h}/${box.w}`);
  }
  // some draws of p hit boxes too large for 10 attempts, so applied is a little below p
  assert.ok(applied / trials > p - 0.06 && applied / trials <= p + 0.03, `applied ${applied / trials}`);
});

test('eraseBox writes a constant, per-channel values, or standard-normal noise inside the box only', () => {
  const s: ImageShape = { height: 6, width: 5, channels: 3 };
  const box = { i: 1, j: 2, h: 3, w: 2 };
  const inside = (y: number, x: number) => y >= 1 && y < 4 && x >= 2 && x < 4;
  for (const value of [0.25, [1, 2, 3], 'random'] as const) {
    const img = new Float32Array(90).fill(-9);
    eraseBox(img, 0, s, box, value as number | number[] | 'random', new Sfc32(1));
    const erased: number[] = [];
    for (let y = 0; y < 6; y++) for (let x = 0; x < 5; x++) for (let c = 0; c < 3; c++) {
      const v = img[(y * 5 + x) * 3 + c]!;
      if (!inside(y, x)) assert.equal(v, -9, `outside (${y}, ${x}) touched`);
      else {
        erased.push(v);
        if (typeof value === 'number') assert.equal(v, value);
        if (Array.isArray(value)) assert.equal(v, value[c]);
      }
    }
    if (value === 'random') {
      assert.equal(new Set(erased).size, erased.length, 'random values differ');
      assert.ok(erased.every((v) => Math.abs(v) < 6));
    }
  }
  assert.throws(() => eraseBox(new Float32Array(90), 0, s, box, [1, 2], new Sfc32(1)), /expected 1 or 3 \(channels\) values, got 2/);
});
