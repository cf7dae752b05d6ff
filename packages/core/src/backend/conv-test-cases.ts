// Convolution test geometries and dilation helpers shared by the wasm and native kernel tests.
import * as tf from '@tensorflow/tfjs';
import { assertRelClose, type HostTensor, randomInt, randomValues, rng, runKernelOn } from './test-support.js';

export type Pad = 'same' | 'valid' | [[0, 0], [number, number], [number, number], [0, 0]];

export interface ConvCase {
  seed: number;
  x: number[]; // [B, H, W, C]
  filter: number[]; // [KH, KW, C, Co or M]
  strides: [number, number];
  dilations: [number, number];
  pad: Pad;
}

/** Forced cases (each stride/padding/dilation family at least once), then seeded random ones. */
export function convCases(count: number, firstSeed: number): ConvCase[] {
  const fixed: ConvCase[] = [
    { seed: 0, x: [2, 7, 7, 3], filter: [3, 3, 3, 4], strides: [1, 1], dilations: [1, 1], pad: 'same' },
    { seed: 0, x: [2, 8, 9, 2], filter: [3, 3, 2, 3], strides: [2, 2], dilations: [1, 1], pad: 'same' },
    { seed: 0, x: [1, 9, 8, 2], filter: [3, 2, 2, 2], strides: [2, 2], dilations: [1, 1], pad: 'valid' },
    { seed: 0, x: [2, 9, 9, 2], filter: [3, 3, 2, 3], strides: [1, 1], dilations: [2, 2], pad: 'same' },
    { seed: 0, x: [1, 10, 9, 1], filter: [2, 3, 1, 2], strides: [1, 1], dilations: [2, 3], pad: 'valid' },
    { seed: 0, x: [2, 6, 7, 3], filter: [3, 3, 3, 2], strides: [2, 1], dilations: [1, 1], pad: [[0, 0], [1, 2], [0, 1], [0, 0]] },
    { seed: 0, x: [1, 5, 5, 2], filter: [1, 1, 2, 3], strides: [3, 3], dilations: [1, 1], pad: 'valid' },
  ];
  const random: ConvCase[] = [];
  for (let seed = firstSeed; random.length < count; seed++) {
    const r = rng(seed);
    const kh = randomInt(r, 1, 4);
    const kw = randomInt(r, 1, 4);
    const dilations: [number, number] = [randomInt(r, 1, 2), randomInt(r, 1, 2)];
    const h = randomInt(r, (kh - 1) * dilations[0] + 1, 11);
    const w = randomInt(r, (kw - 1) * dilations[1] + 1, 11);
    const pads: Pad[] = ['same', 'valid', [[0, 0], [randomInt(r, 0, kh), randomInt(r, 0, kh)], [randomInt(r, 0, kw), randomInt(r, 0, kw)], [0, 0]]];
    random.push({
      seed,
      x: [randomInt(r, 1, 3), h, w, randomInt(r, 1, 4)],
      filter: [kh, kw, 0, randomInt(r, 1, 4)],
      strides: [randomInt(r, 1, 3), randomInt(r, 1, 3)],
      dilations,
      pad: pads[randomInt(r, 0, 2)]!,
    });
    random[random.length - 1]!.filter[2] = random[random.length - 1]!.x[3]!;
  }
  return [...fixed, ...random];
}

export function outShape(c: ConvCase, depthwise: boolean): number[] {
  const info = tf.backend_util.computeConv2DInfo(
    c.x as [number, number, number, number], c.filter as [number, number, number, number], c.strides, c.dilations, c.pad,
    undefined, depthwise,
  );
  return info.outShape;
}

export function describeCase(c: ConvCase): string {
  return `x=[${c.x}] f=[${c.filter}] s=[${c.strides}] d=[${c.dilations}] pad=${JSON.stringify(c.pad)} seed=${c.seed}`;
}

/** The filter with (d−1) zeros between taps: a dilated convolution is a plain one with this filter. */
export function dilateFilter(f: HostTensor, [dh, dw]: [number, number]): HostTensor {
  const [kh, kw, ci, co] = f.shape as [number, number, number, number];
  const ekh = (kh - 1) * dh + 1;
  const ekw = (kw - 1) * dw + 1;
  const out = new Float32Array(ekh * ekw * ci * co);
  for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) {
    const src = (i * kw + j) * ci * co;
    out.set(f.values.subarray(src, src + ci * co), (i * dh * ekw + j * dw) * ci * co);
  }
  return { values: out, shape: [ekh, ekw, ci, co] };
}

/** Inverse of dilateFilter for a gradient: keeps the taps that exist. */
export function undilate(values: Float32Array, [kh, kw, ci, co]: number[], [dh, dw]: [number, number]): Float32Array {
  const ekw = (kw! - 1) * dw + 1;
  const out = new Float32Array(kh! * kw! * ci! * co!);
  for (let i = 0; i < kh!; i++) for (let j = 0; j < kw!; j++) {
    const src = (i * dh * ekw + j * dw) * ci! * co!;
    out.set(values.subarray(src, src + ci! * co!), (i * kw! + j) * ci! * co!);
  }
  return out;
}

export interface PoolCase {
  x: number[];
  filterSize: [number, number];
  strides: [number, number];
  pad: 'same' | 'valid';
  ties: boolean;
}

export const maxPoolCases: PoolCase[] = [
  { x: [2, 8, 8, 3], filterSize: [2, 2], strides: [2, 2], pad: 'valid', ties: false },
  { x: [2, 7, 9, 2], filterSize: [2, 2], strides: [2, 2], pad: 'same', ties: false },
  { x: [1, 9, 9, 2], filterSize: [3, 3], strides: [2, 2], pad: 'same', ties: false }, // overlapping windows add up
  { x: [2, 6, 6, 1], filterSize: [3, 3], strides: [1, 1], pad: 'valid', ties: true },
  { x: [2, 8, 8, 4], filterSize: [2, 2], strides: [2, 2], pad: 'valid', ties: true }, // ReLU-like plateaus
  { x: [1, 7, 5, 2], filterSize: [3, 2], strides: [1, 2], pad: 'same', ties: true },
];

export function describePool(c: PoolCase): string {
  return `x=[${c.x}] pool=[${c.filterSize}] s=[${c.strides}] ${c.pad}${c.ties ? ' with ties' : ''}`;
}

/** MaxPoolGrad on wasm (whatever kernel is registered there) against cpu, ties included. */
export async function assertMaxPoolGradMatchesCpu(c: PoolCase, seed: number): Promise<void> {
  const r = rng(seed);
  const values = randomValues(r, c.x);
  if (c.ties) for (let k = 0; k < values.length; k++) values[k] = Math.max(0, Math.round(values[k]! * 2) / 2);
  const input = { values, shape: c.x };
  const attrs = { filterSize: c.filterSize, strides: c.strides, pad: c.pad };
  const y = await runKernelOn('cpu', 'MaxPool', { x: input }, attrs);
  const output = { values: y.values, shape: y.shape };
  const dy = { values: randomValues(r, y.shape), shape: y.shape };
  const ours = await runKernelOn('wasm', 'MaxPoolGrad', { dy, input, output }, attrs);
  const ref = await runKernelOn('cpu', 'MaxPoolGrad', { dy, input, output }, attrs);
  assertRelClose(ours.values, ref.values, 'dx');
}
