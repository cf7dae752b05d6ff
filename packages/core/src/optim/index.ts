/**
 * core/optim: torch.optim (1.13) optimizers over flat Float32Array parameter groups — SGD, Adam, AdamW, RMSprop,
 * Adagrad — for the parameter server and for anyone training outside tfjs's own optimizers. Every update matches
 * torch's to float32 rounding (tested against committed torch fixtures at rtol 1e-5).
 *
 * ## Weight decay, the two ways
 *
 * **Coupled** (L2 regularization; `weightDecay` of `SGD`, `Adam`, `RMSprop`, `Adagrad`, torch's `weight_decay`):
 * the decay is added to the gradient, g ← g + λ·θ, before anything else. It is exactly the gradient of the penalty
 * (λ/2)·Σθ², so `new SGD(p, { lr, weightDecay: λ })` equals plain SGD on a loss with core's `l2(λ)` regularizer. With
 * an adaptive method the decay term is then divided by √v like the rest of the gradient, so weights with large
 * gradient history are decayed less.
 *
 * **Decoupled** (`AdamW`, Loshchilov & Hutter): the weights shrink directly, θ ← θ·(1 − lr·λ), and the Adam step
 * uses the raw gradient. Every weight decays at the same relative rate lr·λ whatever its gradient scale. For plain
 * SGD the two are the same thing (θ − lr·(g + λθ) = θ·(1 − lr·λ) − lr·g); they differ for adaptive optimizers.
 *
 * @example
 * import { SGD, Adam, AdamW } from '@tensorfleet/core';
 * const w = new Float32Array([1, -2, 3]);
 * const g = new Float32Array([0, 0, 0]);            // no data gradient: only the decay acts
 *
 * new SGD([w], { lr: 0.1, weightDecay: 0.1 }).step([g]);   // coupled:   w ← w − 0.1·(0.1·w) = 0.99·w
 * new AdamW([w], { lr: 0.1, weightDecay: 0.1 }).step([g]); // decoupled: w ← 0.99·w (then an Adam step of 0)
 * new Adam([w], { lr: 0.1, weightDecay: 0.1 }).step([g]);  // coupled through Adam: the decay term 0.1·w is
 *                                                          // normalized by √v, moving each weight by ≈ lr = 0.1
 *
 * ## Checkpoints
 * `stateDict()` / `loadStateDict()` save and restore the state (moment buffers, step counts, group options) exactly;
 * see `Optimizer.stateDict` for the format and how it crosses structuredClone, msgpack and JSON.
 *
 * @packageDocumentation
 */
export { Optimizer, type LiveState, type StateSchema } from './optimizer.js';
export { OptimizerError } from './options.js';
export type {
  OptimizerStateDict,
  ParamGroup,
  ParamGroupInput,
  ParamGroupState,
  ParamState,
  ParamsInput,
  StateBuffer,
} from './types.js';
export { SGD, type SGDOptions } from './sgd.js';
export { Adam, type AdamOptions } from './adam.js';
export { AdamW, type AdamWOptions } from './adamw.js';
export type { AdamFamilyOptions } from './adam-base.js';
export { RMSprop, type RMSpropOptions } from './rmsprop.js';
export { Adagrad, type AdagradOptions } from './adagrad.js';
export { createOptimizer, optimizerNames, type OptimizerName, type OptimizerOptionsByName } from './create.js';
