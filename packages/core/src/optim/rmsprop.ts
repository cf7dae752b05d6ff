import { Optimizer, type LiveState, type StateSchema } from './optimizer.js';
import type { OptionRules } from './options.js';
import type { ParamGroup, ParamsInput } from './types.js';

export interface RMSpropOptions {
  /** Learning rate (default 1e-2). */
  lr?: number;
  /** Smoothing constant α of the squared-gradient average (default 0.99). */
  alpha?: number;
  /** Added to the root mean square in the denominator (default 1e-8). */
  eps?: number;
  /** Coupled weight decay λ: g ← g + λθ (default 0). */
  weightDecay?: number;
  /** Momentum factor on the normalized step (default 0). */
  momentum?: number;
  /** Centered RMSprop: normalize by the estimated variance v − ḡ² instead of v (default false). */
  centered?: boolean;
}

const RULES: OptionRules = {
  lr: { kind: 'number', min: 0 },
  alpha: { kind: 'number', min: 0 },
  eps: { kind: 'number', min: 0 },
  weightDecay: { kind: 'number', min: 0 },
  momentum: { kind: 'number', min: 0 },
  centered: { kind: 'boolean' },
};
const DEFAULTS: Required<RMSpropOptions> = {
  lr: 1e-2,
  alpha: 0.99,
  eps: 1e-8,
  weightDecay: 0,
  momentum: 0,
  centered: false,
};

const f = Math.fround;

/**
 * RMSprop, torch.optim.RMSprop (1.13) exactly: g ← g + λθ; v ← α·v + (1−α)·g²; centered: ḡ ← α·ḡ + (1−α)·g and
 * a = √(v − ḡ²) + eps, else a = √v + eps; momentum: buf ← μ·buf + g/a, θ ← θ − lr·buf; otherwise θ ← θ − lr·g/a.
 * (No bias correction and eps outside the root, as torch has it; Keras puts eps differently.)
 * @example
 * const w = new Float32Array([0.3, 0.7]);
 * const opt = new RMSprop([w], { lr: 0.01, centered: true, momentum: 0.9 });
 * opt.step([new Float32Array([0.1, -0.2])]);
 */
export class RMSprop extends Optimizer {
  constructor(params: ParamsInput<RMSpropOptions>, options: RMSpropOptions = {}) {
    super('RMSprop', params, options, DEFAULTS, RULES);
  }

  protected override stateSchema(group: ParamGroup): StateSchema {
    const required = ['step', 'squareAvg'];
    const optional: string[] = [];
    ((group.momentum as number) > 0 ? required : optional).push('momentumBuffer');
    (group.centered === true ? required : optional).push('gradAvg');
    return { required, optional };
  }

  protected override updateGroup(group: ParamGroup, grads: Float32Array[], first: number): void {
    const alpha = f(group.alpha as number);
    const oneMinusAlpha = f(1 - (group.alpha as number));
    const eps = f(group.eps as number);
    const wd = f(group.weightDecay as number);
    const momentum = group.momentum as number;
    const mu = f(momentum);
    const centered = group.centered as boolean;
    const negLr = f(-group.lr);

    // Plain loops, not forEach: V8 runs the element loop of a callback closure at about half the speed.
    for (let j = 0; j < group.params.length; j++) {
      const param = group.params[j]!;
      const grad = grads[first + j]!;
      const n = param.length;
      const state = (this.state[first + j] ??= { step: 0 }) as LiveState;
      state.step = ((state.step as number | undefined) ?? 0) + 1;
      const sq = (state.squareAvg ??= new Float32Array(n)) as Float32Array;
      const gAvg = centered ? ((state.gradAvg ??= new Float32Array(n)) as Float32Array) : undefined;
      const buf = momentum > 0 ? ((state.momentumBuffer ??= new Float32Array(n)) as Float32Array) : undefined;

      for (let i = 0; i < n; i++) {
        let g = grad[i]!;
        if (wd !== 0) g = f(g + wd * param[i]!);
        const s = (sq[i] = f(f(sq[i]! * alpha) + f(oneMinusAlpha * g) * g));
        let avg: number;
        if (gAvg !== undefined) {
          const ga = (gAvg[i] = f(f(gAvg[i]! * alpha) + oneMinusAlpha * g));
          avg = f(Math.sqrt(f(s - f(ga * ga))));
        } else {
          avg = f(Math.sqrt(s));
        }
        avg = f(avg + eps);
        if (buf !== undefined) {
          const b = (buf[i] = f(f(buf[i]! * mu) + f(g / avg)));
          param[i] = param[i]! + negLr * b;
        } else {
          param[i] = param[i]! + f(negLr * g) / avg;
        }
      }
    }
  }
}

/** Option ranges and defaults, for configs and docs (core/spec builds its schema from them). */
export { RULES as RMSPROP_RULES, DEFAULTS as RMSPROP_DEFAULTS };
