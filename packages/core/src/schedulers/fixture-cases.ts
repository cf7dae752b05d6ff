// Test-only helpers: turn the torch fixtures (snake_case options) into our schedulers. Not exported from index.ts.
import { CosineAnnealingLR } from './cosine-annealing-lr.js';
import { ExponentialLR } from './exponential-lr.js';
import { LinearLR } from './linear-lr.js';
import { MultiStepLR } from './multi-step-lr.js';
import type { ReduceLROnPlateauOptions } from './reduce-lr-on-plateau.js';
import type { EpochScheduler } from './scheduler.js';
import { StepLR } from './step-lr.js';
import type { SchedulerTarget } from './target.js';

export interface PlateauCase {
  name: string;
  initialLr: number[];
  options: Record<string, unknown>;
  metrics: (number | null)[];
  steps: { lr: number[]; best: number | null; numBadEpochs: number; cooldownCounter: number }[];
}

export interface EpochCase {
  name: string;
  initialLr: number[];
  schedulers: { kind: string; options: Record<string, unknown> }[];
  lr: number[][];
}

const camel = (s: string) => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
// torch spells T_max with a capital; everything else is plain snake_case.
const rename: Record<string, string> = { T_max: 'tMax', min_lr: 'minLr', eta_min: 'etaMin' };

export function camelOptions(options: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(options).map(([k, v]) => [rename[k] ?? camel(k), v]));
}

export function plateauOptions(c: PlateauCase): ReduceLROnPlateauOptions {
  return camelOptions(c.options) as ReduceLROnPlateauOptions;
}

/** A stand-in for a core optimizer: only what schedulers touch. */
export function fakeOptimizer(lrs: number[]): { paramGroups: { lr: number; initialLr?: number }[] } {
  return { paramGroups: lrs.map((lr) => ({ lr })) };
}

export function makeEpochScheduler(kind: string, target: SchedulerTarget, options: Record<string, unknown>): EpochScheduler {
  const o = camelOptions(options) as never;
  switch (kind) {
    case 'StepLR': return new StepLR(target, o);
    case 'MultiStepLR': return new MultiStepLR(target, o);
    case 'ExponentialLR': return new ExponentialLR(target, o);
    case 'CosineAnnealingLR': return new CosineAnnealingLR(target, o);
    case 'LinearLR': return new LinearLR(target, o);
    default: throw new Error(`fixture names unknown scheduler ${kind}`);
  }
}
