import { z } from 'zod';
import { ADAGRAD_DEFAULTS, ADAGRAD_RULES } from '../optim/adagrad.js';
import { ADAM_RULES } from '../optim/adam-base.js';
import { ADAM_DEFAULTS } from '../optim/adam.js';
import { ADAMW_DEFAULTS } from '../optim/adamw.js';
import { createOptimizer, type OptimizerName } from '../optim/create.js';
import type { Optimizer } from '../optim/optimizer.js';
import { RMSPROP_DEFAULTS, RMSPROP_RULES } from '../optim/rmsprop.js';
import { SGD_DEFAULTS, SGD_RULES } from '../optim/sgd.js';
import type { ParamsInput } from '../optim/types.js';
import { optionsObject } from './option-rules.js';

/** What a config may say about one optimizer: its options (torch's names, ranges, defaults, docs) and how to build it. */
export interface OptimizerEntry {
  /** One line for the generated config reference. */
  doc: string;
  /** Strict zod object of the options; defaults are the lecture's where it has one, torch's otherwise. */
  options: z.ZodObject;
  create(params: ParamsInput<Record<string, unknown>>, options: Record<string, unknown>): Optimizer;
}

const docs: Record<string, string> = {
  lr: 'learning rate',
  momentum: 'momentum factor μ',
  dampening: 'dampening τ of the momentum buffer: buf = μ·buf + (1−τ)·g',
  weightDecay: 'weight decay λ (coupled L2 for sgd/adam/rmsprop/adagrad, decoupled for adamw)',
  nesterov: 'Nesterov momentum (needs momentum > 0 and dampening 0)',
  betas: 'decay rates (β1, β2) of the moment averages',
  eps: 'added to the denominator for numerical stability',
  amsgrad: 'AMSGrad: normalize by the running maximum of the second moment',
  alpha: 'smoothing constant α of the squared-gradient average',
  centered: 'centered RMSprop: normalize by the estimated variance',
  lrDecay: 'learning-rate decay: step t uses lr / (1 + (t−1)·lrDecay)',
  initialAccumulatorValue: 'starting value of the sum of squared gradients',
};

const entry = (name: OptimizerName, doc: string, rules: typeof SGD_RULES, defaults: Record<string, unknown>): OptimizerEntry => ({
  doc,
  options: optionsObject(rules, defaults, docs),
  create: (params, options) => createOptimizer(name, params as never, options as never),
});

/**
 * Every optimizer a config can name, by its `optimizer.name`: torch.optim's five, with every option by torch's name
 * (camelCase). The lecture's starting points are the defaults: SGD with momentum 0.9 and lr 0.01, Adam lr 1e-3.
 * Adding an optimizer is its class plus one line here.
 * @example
 * const o = optimizerRegistry.adam.options.parse({ lr: 3e-4 }); // { lr: 3e-4, betas: [0.9, 0.999], eps: 1e-8, ... }
 * const opt = optimizerRegistry.adam.create([new Float32Array(4)], o);
 */
export const optimizerRegistry: Record<OptimizerName, OptimizerEntry> = {
  sgd: entry('sgd', 'torch.optim.SGD', SGD_RULES, { ...SGD_DEFAULTS, lr: 0.01, momentum: 0.9 }),
  adam: entry('adam', 'torch.optim.Adam', ADAM_RULES, ADAM_DEFAULTS),
  adamw: entry('adamw', 'torch.optim.AdamW (decoupled weight decay)', ADAM_RULES, ADAMW_DEFAULTS),
  rmsprop: entry('rmsprop', 'torch.optim.RMSprop', RMSPROP_RULES, RMSPROP_DEFAULTS),
  adagrad: entry('adagrad', 'torch.optim.Adagrad', ADAGRAD_RULES, ADAGRAD_DEFAULTS),
};
