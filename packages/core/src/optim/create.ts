import { Adagrad, type AdagradOptions } from './adagrad.js';
import { Adam, type AdamOptions } from './adam.js';
import { AdamW, type AdamWOptions } from './adamw.js';
import type { Optimizer } from './optimizer.js';
import { describeValue, OptimizerError } from './options.js';
import { RMSprop, type RMSpropOptions } from './rmsprop.js';
import { SGD, type SGDOptions } from './sgd.js';
import type { ParamsInput } from './types.js';

/** Options of each optimizer, by the name `createOptimizer` takes. */
export interface OptimizerOptionsByName {
  sgd: SGDOptions;
  adam: AdamOptions;
  adamw: AdamWOptions;
  rmsprop: RMSpropOptions;
  adagrad: AdagradOptions;
}
export type OptimizerName = keyof OptimizerOptionsByName;

const FACTORIES: { [K in OptimizerName]: (p: ParamsInput<OptimizerOptionsByName[K]>, o: OptimizerOptionsByName[K]) => Optimizer } = {
  sgd: (p, o) => new SGD(p, o),
  adam: (p, o) => new Adam(p, o),
  adamw: (p, o) => new AdamW(p, o),
  rmsprop: (p, o) => new RMSprop(p, o),
  adagrad: (p, o) => new Adagrad(p, o),
};

/** The names `createOptimizer` accepts. */
export const optimizerNames: readonly OptimizerName[] = Object.freeze(Object.keys(FACTORIES) as OptimizerName[]);

/**
 * Builds an optimizer by name, for configs (CLI, HPO search spaces, the parameter server). Names are
 * case-insensitive ('Adam' works); options are validated exactly as by the constructor.
 * @example
 * const opt = createOptimizer('sgd', [w], { lr: 0.1, momentum: 0.9 });
 */
export function createOptimizer<K extends OptimizerName>(
  name: K,
  params: ParamsInput<OptimizerOptionsByName[K]>,
  options?: OptimizerOptionsByName[K],
): Optimizer {
  const key = (typeof name === 'string' ? name.toLowerCase() : name) as K;
  if (!Object.prototype.hasOwnProperty.call(FACTORIES, key)) {
    throw new OptimizerError(`createOptimizer: unknown optimizer ${describeValue(name)} (known: ${optimizerNames.join(', ')})`);
  }
  return FACTORIES[key](params, (options ?? {}) as OptimizerOptionsByName[K]);
}
