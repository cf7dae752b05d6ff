import { Optimizer, type LiveState, type StateSchema } from './optimizer.js';
import { OptimizerError, type OptionRules } from './options.js';
import type { ParamGroup, ParamsInput } from './types.js';

export interface AdagradOptions {
  /** Learning rate (default 1e-2). */
  lr?: number;
  /** Learning-rate decay: step t uses lr / (1 + (t−1)·lrDecay) (default 0). */
  lrDecay?: number;
  /** Coupled weight decay λ: g ← g + λθ (default 0). */
  weightDecay?: number;
  /** Starting value of the sum of squared gradients (default 0). */
  initialAccumulatorValue?: number;
  /** Added to √sum in the denominator (default 1e-10). */
  eps?: number;
}

const RULES: OptionRules = {
  lr: { kind: 'number', min: 0 },
  lrDecay: { kind: 'number', min: 0 },
  weightDecay: { kind: 'number', min: 0 },
  initialAccumulatorValue: { kind: 'number', min: 0 },
  eps: { kind: 'number', min: 0 },
};
const DEFAULTS: Required<AdagradOptions> = {
  lr: 1e-2,
  lrDecay: 0,
  weightDecay: 0,
  initialAccumulatorValue: 0,
  eps: 1e-10,
};

const f = Math.fround;

/**
 * Adagrad, torch.optim.Adagrad (1.13) exactly: g ← g + λθ; clr = lr / (1 + (t−1)·lrDecay); sum ← sum + g²;
 * θ ← θ − clr·g / (√sum + eps). Like torch, the state (step 0, sum = initialAccumulatorValue) exists from construction.
 * `initialAccumulatorValue` is a constructor option only: torch ignores a param group's own, so one is rejected.
 * @example
 * const w = new Float32Array([1, 2]);
 * const opt = new Adagrad([w], { lr: 0.1, lrDecay: 0.01, initialAccumulatorValue: 0.1 });
 * opt.step([new Float32Array([0.5, -0.5])]);
 */
export class Adagrad extends Optimizer {
  constructor(params: ParamsInput<AdagradOptions>, options: AdagradOptions = {}) {
    super('Adagrad', params, options, DEFAULTS, RULES);
    // torch 1.13 fills every accumulator from the constructor's value and ignores a group's own; reject the latter
    // rather than ignore it silently.
    const initial = options.initialAccumulatorValue ?? DEFAULTS.initialAccumulatorValue;
    this.paramGroups.forEach((group, g) => {
      if (group.initialAccumulatorValue !== initial) {
        throw new OptimizerError(
          `Adagrad: paramGroups[${g}] option 'initialAccumulatorValue' (${String(group.initialAccumulatorValue)}) ` +
            `differs from the constructor's (${initial}); torch fills every accumulator from the constructor's ` +
            `value, so give it there`,
        );
      }
    });
    let i = 0;
    for (const group of this.paramGroups) {
      for (const param of group.params) this.state[i++] = Adagrad.freshState(group, param.length);
    }
  }

  private static freshState(group: ParamGroup, n: number): LiveState {
    return { step: 0, sum: new Float32Array(n).fill(group.initialAccumulatorValue as number) };
  }

  protected override stateSchema(): StateSchema {
    return { required: ['step', 'sum'] };
  }

  protected override updateGroup(group: ParamGroup, grads: Float32Array[], first: number): void {
    const wd = f(group.weightDecay as number);
    const eps = f(group.eps as number);
    // Plain loops, not forEach: V8 runs the element loop of a callback closure at about half the speed.
    for (let j = 0; j < group.params.length; j++) {
      const param = group.params[j]!;
      const grad = grads[first + j]!;
      const state = (this.state[first + j] ??= Adagrad.freshState(group, param.length));
      const step = (state.step = (state.step as number) + 1);
      const sum = state.sum as Float32Array;
      const negClr = f(-(group.lr / (1 + (step - 1) * (group.lrDecay as number))));
      for (let i = 0; i < param.length; i++) {
        let g = grad[i]!;
        if (wd !== 0) g = f(g + wd * param[i]!);
        const s = (sum[i] = f(sum[i]! + g * g));
        const std = f(f(Math.sqrt(s)) + eps);
        param[i] = param[i]! + f(negClr * g) / std;
      }
    }
  }
}

/** Option ranges and defaults, for configs and docs (core/spec builds its schema from them). */
export { RULES as ADAGRAD_RULES, DEFAULTS as ADAGRAD_DEFAULTS };
