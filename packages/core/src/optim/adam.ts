import { AdamFamily, type AdamFamilyOptions } from './adam-base.js';
import type { ParamsInput } from './types.js';

/** Adam's options; `weightDecay` is coupled (added to the gradient, i.e. L2 regularization). */
export type AdamOptions = AdamFamilyOptions;

const DEFAULTS: Required<AdamOptions> = { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false };

/**
 * Adam, torch.optim.Adam (1.13) exactly. Per step t: g ← g + λθ; m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²;
 * (amsgrad: v̂max ← max(v̂max, v), used in place of v); θ ← θ − (lr / (1−β1ᵗ)) · m / (√v / √(1−β2ᵗ) + eps).
 * The weight decay here is coupled, so adaptive scaling weakens it for weights with large gradients; see AdamW.
 * @example
 * const w = new Float32Array(10);
 * const opt = new Adam([w], { lr: 1e-3, betas: [0.9, 0.999], amsgrad: true });
 * opt.step([new Float32Array(10).fill(0.5)]);
 */
export class Adam extends AdamFamily {
  constructor(params: ParamsInput<AdamOptions>, options: AdamOptions = {}) {
    super('Adam', params, options, DEFAULTS, false);
  }
}

/** Defaults, for configs and docs (core/spec builds its schema from them and ADAM_RULES). */
export { DEFAULTS as ADAM_DEFAULTS };
