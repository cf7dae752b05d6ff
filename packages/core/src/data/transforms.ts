import { normalFloat, randomInt, uniformFloat32, uniformRange, type RandomSource } from './rng.js';

/** Image geometry of one sample (NHWC, one image). */
export interface ImageShape {
  height: number;
  width: number;
  channels: number;
}

/**
 * dst(y, x) = src(y' − dy, x' − dx) with x' = W−1−x when flipping horizontally (y' likewise), `fill` where the
 * source is outside the image: a shift followed by flips, in one gather pass. Optionally multiplies by
 * `brightness` and clamps to [0, 1] on the way (torchvision's adjust_brightness for float images).
 *
 * @example
 * shiftFlip(src, 0, dst, 0, { height: 28, width: 28, channels: 1 }, { dx: 2, dy: -1, hflip: false, vflip: false, fill: 0 });
 */
export function shiftFlip(
  src: Float32Array,
  srcOffset: number,
  dst: Float32Array,
  dstOffset: number,
  { height: H, width: W, channels: C }: ImageShape,
  { dx, dy, hflip, vflip, fill, brightness }: { dx: number; dy: number; hflip: boolean; vflip: boolean; fill: number; brightness?: number },
): void {
  const rowLen = W * C;
  const scale = brightness ?? 1;
  const clamp = brightness !== undefined;
  for (let y = 0; y < H; y++) {
    const sy = (vflip ? H - 1 - y : y) - dy;
    const out = dstOffset + y * rowLen;
    if (sy < 0 || sy >= H) {
      const v = clamp ? Math.min(1, Math.max(0, fill * scale)) : fill;
      dst.fill(v, out, out + rowLen);
      continue;
    }
    const inRow = srcOffset + sy * rowLen;
    for (let x = 0; x < W; x++) {
      const sx = (hflip ? W - 1 - x : x) - dx;
      const o = out + x * C;
      if (sx < 0 || sx >= W) {
        const v = clamp ? Math.min(1, Math.max(0, fill * scale)) : fill;
        for (let k = 0; k < C; k++) dst[o + k] = v;
      } else {
        const i = inRow + sx * C;
        if (clamp) {
          for (let k = 0; k < C; k++) {
            const v = src[i + k]! * scale;
            dst[o + k] = v < 0 ? 0 : v > 1 ? 1 : v;
          }
        } else {
          for (let k = 0; k < C; k++) dst[o + k] = src[i + k]!;
        }
      }
    }
  }
}

/** Python 3's round(): halves go to the even neighbour (torchvision computes erase sizes with int(round(...))). */
export function pyRound(x: number): number {
  const r = Math.round(x);
  return Math.abs(x - Math.trunc(x)) === 0.5 ? 2 * Math.round(x / 2) : r;
}

/** A rectangle in pixel coordinates: top row i, left column j, height h, width w. */
export interface EraseBox {
  i: number;
  j: number;
  h: number;
  w: number;
}

/**
 * torchvision's RandomErasing decision and box: with probability p, up to 10 attempts of an area fraction
 * U(scale) and a log-uniform aspect ratio in `ratio`, keeping the first box strictly smaller than the image, at a
 * uniform position; null when not applied or when all 10 attempts fail (torchvision then returns the image as is).
 * With a torch-seeded {@link Mt19937} it draws the same boxes as torchvision 0.14 for a constant `value`.
 *
 * @example
 * const box = randomErasingBox(new Mt19937(0), 28, 28, { p: 0.5, scale: [0.02, 0.33], ratio: [0.3, 3.3] });
 */
export function randomErasingBox(
  g: RandomSource,
  height: number,
  width: number,
  { p, scale, ratio }: { p: number; scale: [number, number]; ratio: [number, number] },
): EraseBox | null {
  if (!(uniformFloat32(g) < p)) return null;
  const area = height * width;
  const logLow = Math.fround(Math.log(Math.fround(ratio[0])));
  const logHigh = Math.fround(Math.log(Math.fround(ratio[1])));
  for (let attempt = 0; attempt < 10; attempt++) {
    const eraseArea = area * uniformRange(g, scale[0], scale[1]);
    const aspect = Math.fround(Math.exp(uniformRange(g, logLow, logHigh)));
    const h = pyRound(Math.sqrt(eraseArea * aspect));
    const w = pyRound(Math.sqrt(eraseArea / aspect));
    if (!(h < height && w < width)) continue;
    const i = randomInt(g, 0, height - h + 1);
    const j = randomInt(g, 0, width - w + 1);
    return { i, j, h, w };
  }
  return null;
}

/**
 * Overwrites a box of one NHWC image with a constant, per-channel values, or standard-normal noise ('random').
 *
 * @example
 * eraseBox(img, 0, { height: 28, width: 28, channels: 1 }, { i: 3, j: 4, h: 5, w: 6 }, 0, rng);
 */
export function eraseBox(
  img: Float32Array,
  offset: number,
  { width: W, channels: C }: ImageShape,
  { i, j, h, w }: EraseBox,
  value: number | number[] | 'random',
  g: RandomSource,
): void {
  if (Array.isArray(value) && value.length !== 1 && value.length !== C) {
    throw new Error(`randomErasing.value: expected 1 or ${C} (channels) values, got ${value.length}`);
  }
  for (let y = i; y < i + h; y++) {
    const row = offset + (y * W + j) * C;
    for (let x = 0; x < w * C; x += C) {
      for (let k = 0; k < C; k++) {
        img[row + x + k] =
          value === 'random' ? normalFloat(g) : typeof value === 'number' ? value : value.length === 1 ? value[0]! : value[k]!;
      }
    }
  }
}
