import * as tf from '@tensorflow/tfjs';
import { UntruncatedVarianceScaling, type Initializer } from './untruncated-variance-scaling.js';

import { initializerNames, type InitializerName } from './initializer-names.js';

/** Options of {@link initializer}. */
export interface InitializerOptions {
  /** He only: scale by fan-in (default; preserves forward variance, torch's default) or fan-out (backward). */
  mode?: 'fanIn' | 'fanOut';
  /** Seed for reproducible draws (the same seed gives the same tensor on every call). */
  seed?: number;
  /** torch's `gain`; default 1 for Xavier (linear/sigmoid; use 5/3 for tanh) and √2 for He (ReLU). */
  gain?: number;
}

/**
 * A tfjs initializer with torch's `torch.nn.init` formulas (fans from {@link computeFans}):
 * - xavierUniform: U(−b, b), b = gain·√(6/(fanIn+fanOut))          (torch `xavier_uniform_`, Glorot)
 * - xavierNormal:  N(0, σ²), σ = gain·√(2/(fanIn+fanOut))          (torch `xavier_normal_`)
 * - heUniform:     U(−b, b), b = gain·√(3/fan), gain √2              (torch `kaiming_uniform_(nonlinearity='relu')`, MSRA)
 * - heNormal:      N(0, σ²), σ = gain/√fan, gain √2                  (torch `kaiming_normal_(nonlinearity='relu')`)
 * - zeros, ones.
 * Uniform ones are tfjs' own `varianceScaling` (identical formula); normal ones use {@link UntruncatedVarianceScaling}
 * because tfjs' normal variance scaling is truncated at 2σ (actual std ≈ 0.88σ), unlike torch's.
 *
 * Which to pick (the lecture): Xavier for tanh, sigmoid and linear layers; He/MSRA for ReLU (and its variants),
 * because ReLU zeroes half its inputs and He's factor 2 keeps the activation variance constant through depth.
 * Biases start at zero (tfjs' default `biasInitializer`; torch instead draws Linear/Conv biases from
 * U(±1/√fanIn)).
 *
 * @example
 * ```ts
 * tf.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', kernelInitializer: initializer('heNormal') });
 * tf.layers.dense({ units: 10, kernelInitializer: initializer('xavierUniform', { seed: 1 }) });
 * ```
 */
export function initializer(name: InitializerName, options: InitializerOptions = {}): Initializer {
  if (!initializerNames.includes(name)) {
    throw new Error(`initializer: unknown name ${JSON.stringify(name)}; expected one of ${initializerNames.join(', ')}`);
  }
  if (options === null || typeof options !== 'object') {
    throw new Error(`initializer(${name}): expected an options object { mode?, seed?, gain? }, got ${String(options)}`);
  }
  const { mode, seed, gain } = options;
  if (seed !== undefined && !Number.isFinite(seed)) {
    throw new Error(`initializer(${name}): seed must be a finite number, got ${String(seed)}`);
  }
  if (gain !== undefined && !(typeof gain === 'number' && gain > 0 && Number.isFinite(gain))) {
    throw new Error(`initializer(${name}): gain must be a finite number > 0, got ${String(gain)}`);
  }
  if (mode !== undefined && mode !== 'fanIn' && mode !== 'fanOut') {
    throw new Error(`initializer(${name}): mode must be 'fanIn' or 'fanOut', got ${JSON.stringify(mode)}`);
  }
  if (mode !== undefined && !name.startsWith('he')) {
    throw new Error(`initializer(${name}): mode applies to heUniform/heNormal only (Xavier always averages fanIn and fanOut)`);
  }
  if (gain !== undefined && (name === 'zeros' || name === 'ones')) {
    throw new Error(`initializer(${name}): gain does not apply to ${name}`);
  }

  if (name === 'zeros') return tf.initializers.zeros();
  if (name === 'ones') return tf.initializers.ones();
  const isHe = name.startsWith('he');
  // scale = gain²; the defaults are written as 2 and 1 because Math.SQRT2 ** 2 is 2.0000000000000004.
  const scale = gain === undefined ? (isHe ? 2 : 1) : gain ** 2;
  const fanMode = isHe ? (mode ?? 'fanIn') : 'fanAvg';
  return name.endsWith('Uniform')
    ? tf.initializers.varianceScaling({ scale, mode: fanMode, distribution: 'uniform', seed })
    : new UntruncatedVarianceScaling({ scale, mode: fanMode, seed });
}
