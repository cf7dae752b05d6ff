import { AdamFamily, type AdamFamilyOptions } from './adam-base.js';
import type { ParamsInput } from './types.js';

/** AdamW's options; `weightDecay` (default 1e-2) is decoupled: θ ← θ·(1 − lr·λ) before the Adam step. */
export type AdamWOptions = AdamFamilyOptions;

const DEFAULTS: Required<AdamWOptions> = { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 1e-2, amsgrad: false };

/**
 * AdamW (Loshchilov & Hutter), torch.optim.AdamW (1.13) exactly: θ ← θ·(1 − lr·λ), then the Adam step on the raw
 * gradient. The decay does not pass through the moment estimates, so every weight shrinks at the same rate.
 * @example
 * const w = new Float32Array([1, -2, 3]);
 * const opt = new AdamW([w], { lr: 1e-3, weightDecay: 0.01 });
 * opt.step([new Float32Array([0.1, 0.1, 0.1])]);
 */
export class AdamW extends AdamFamily {
  constructor(params: ParamsInput<AdamWOptions>, options: AdamWOptions = {}) {
    super('AdamW', params, options, DEFAULTS, true);
  }
}

/** Defaults, for configs and docs (core/spec builds its schema from them and ADAM_RULES). */
export { DEFAULTS as ADAMW_DEFAULTS };
