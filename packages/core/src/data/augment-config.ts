import { ALL_TRANSFORMS } from './label-guard.js';
import type { TransformName } from './types.js';

/**
 * Training-split augmentations, applied per sample in this order: shift, horizontal flip, vertical flip, brightness
 * (on raw [0, 1] pixels), then normalization, then random erasing (on normalized pixels, as torchvision places
 * RandomErasing after Normalize, so value 0 erases to the mean). Each transform may set `force: true` to pass the
 * label-preserving guard.
 */
export interface AugmentConfig {
  /** Random translation by an integer offset drawn like torchvision's RandomAffine(translate): round(U(−max, max)). */
  randomShift?: {
    /** Largest horizontal shift: a fraction of the width (units 'fraction', default 0.1) or pixels. */
    x?: number;
    /** Largest vertical shift, same units. */
    y?: number;
    units?: 'fraction' | 'pixels';
    /** Raw pixel value shifted in at the borders, default 0. */
    fill?: number;
    force?: boolean;
  };
  /** Mirror left–right with probability p (default 0.5). */
  randomHorizontalFlip?: { p?: number; force?: boolean };
  /** Mirror top–bottom with probability p (default 0.5). */
  randomVerticalFlip?: { p?: number; force?: boolean };
  /** torchvision ColorJitter(brightness=factor): multiply by U(max(0, 1 − factor), 1 + factor), clamp to [0, 1]. */
  randomBrightness?: { factor: number; force?: boolean };
  /** torchvision RandomErasing (Zhong et al. 2017). */
  randomErasing?: {
    p?: number;
    /** Erased area as a fraction of the image, default [0.02, 0.33]. */
    scale?: [number, number];
    /** Aspect ratio range (sampled log-uniformly), default [0.3, 3.3]. */
    ratio?: [number, number];
    /** A constant, one value per channel, or 'random' (standard normal per pixel); default 0. */
    value?: number | number[] | 'random';
    force?: boolean;
  };
}

/** {@link AugmentConfig} with every default filled in. */
export interface ResolvedAugment {
  randomShift?: { x: number; y: number; units: 'fraction' | 'pixels'; fill: number; force: boolean };
  randomHorizontalFlip?: { p: number; force: boolean };
  randomVerticalFlip?: { p: number; force: boolean };
  randomBrightness?: { factor: number; force: boolean };
  randomErasing?: {
    p: number;
    scale: [number, number];
    ratio: [number, number];
    value: number | number[] | 'random';
    force: boolean;
  };
}

function fail(where: string, expected: string, got: unknown): never {
  throw new Error(`${where}: expected ${expected}, got ${JSON.stringify(got)}`);
}

function num(obj: Record<string, unknown>, key: string, where: string, dflt: number, min: number, max: number): number {
  const v = obj[key] ?? dflt;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) fail(`${where}.${key}`, `a number in [${min}, ${max}]`, v);
  return v as number;
}

function range(obj: Record<string, unknown>, key: string, where: string, dflt: [number, number], min: number, max: number): [number, number] {
  const v = obj[key] ?? dflt;
  if (!Array.isArray(v) || v.length !== 2 || v.some((x) => typeof x !== 'number' || !(x >= min && x <= max)) || v[0] > v[1]) {
    fail(`${where}.${key}`, `[low, high] with ${min} ≤ low ≤ high ≤ ${max}`, v);
  }
  return [v[0], v[1]];
}

function known(obj: Record<string, unknown>, keys: string[], where: string): void {
  for (const k of Object.keys(obj)) if (!keys.includes(k)) throw new Error(`${where}: unknown option "${k}" (known: ${keys.join(', ')})`);
}

function force(obj: Record<string, unknown>, where: string): boolean {
  const f = obj['force'] ?? false;
  if (typeof f !== 'boolean') fail(`${where}.force`, 'a boolean', f);
  return f as boolean;
}

/**
 * Validates an augmentation config (from code, JSON or YAML) and fills in defaults; errors name the field.
 *
 * @example
 * resolveAugment({ randomShift: { x: 2, y: 2, units: 'pixels' }, randomErasing: {} });
 */
export function resolveAugment(config: unknown, where = 'augment'): ResolvedAugment {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) fail(where, 'an object of transforms', config);
  const c = config as Record<string, unknown>;
  known(c, ALL_TRANSFORMS as string[], where);
  const out: ResolvedAugment = {};
  const section = (name: TransformName): Record<string, unknown> | undefined => {
    const v = c[name];
    if (v === undefined || v === false) return undefined;
    if (v === true) return {};
    if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(`${where}.${name}`, 'an options object (or true)', v);
    return v as Record<string, unknown>;
  };
  let s = section('randomShift');
  if (s) {
    const w = `${where}.randomShift`;
    known(s, ['x', 'y', 'units', 'fill', 'force'], w);
    const units = s['units'] ?? 'fraction';
    if (units !== 'fraction' && units !== 'pixels') fail(`${w}.units`, '"fraction" or "pixels"', units);
    const max = units === 'fraction' ? 1 : 1e6;
    out.randomShift = {
      x: num(s, 'x', w, 0.1, 0, max),
      y: num(s, 'y', w, 0.1, 0, max),
      units: units as 'fraction' | 'pixels',
      fill: num(s, 'fill', w, 0, -1e9, 1e9),
      force: force(s, w),
    };
  }
  for (const name of ['randomHorizontalFlip', 'randomVerticalFlip'] as const) {
    s = section(name);
    if (s) {
      known(s, ['p', 'force'], `${where}.${name}`);
      out[name] = { p: num(s, 'p', `${where}.${name}`, 0.5, 0, 1), force: force(s, `${where}.${name}`) };
    }
  }
  s = section('randomBrightness');
  if (s) {
    const w = `${where}.randomBrightness`;
    known(s, ['factor', 'force'], w);
    if (s['factor'] === undefined) fail(`${w}.factor`, 'a number ≥ 0 (torchvision ColorJitter brightness)', undefined);
    out.randomBrightness = { factor: num(s, 'factor', w, 0, 0, 1e6), force: force(s, w) };
  }
  s = section('randomErasing');
  if (s) {
    const w = `${where}.randomErasing`;
    known(s, ['p', 'scale', 'ratio', 'value', 'force'], w);
    const value = s['value'] ?? 0;
    const okValue =
      value === 'random' ||
      (typeof value === 'number' && Number.isFinite(value)) ||
      (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'number' && Number.isFinite(v)));
    if (!okValue) fail(`${w}.value`, 'a number, an array of per-channel numbers, or "random"', value);
    out.randomErasing = {
      p: num(s, 'p', w, 0.5, 0, 1),
      scale: range(s, 'scale', w, [0.02, 0.33], 0, 1),
      ratio: range(s, 'ratio', w, [0.3, 3.3], 1e-6, 1e6),
      value: value as number | number[] | 'random',
      force: force(s, w),
    };
  }
  return out;
}
