import { Optimizer, type LiveState, type StateSchema } from './optimizer.js';
import type { OptionRules } from './options.js';
import type { ParamGroup, ParamsInput } from './types.js';

/** Options shared by Adam and AdamW; they differ only in how `weightDecay` is applied. */
export interface AdamFamilyOptions {
  /** Learning rate (default 1e-3). */
  lr?: number;
  /** Decay rates (β1, β2) of the first and second moment averages, each in [0, 1) (default [0.9, 0.999]). */
  betas?: [number, number];
  /** Added to √v̂ in the denominator (default 1e-8). */
  eps?: number;
  /** Weight decay λ: coupled (Adam: g + λθ) or decoupled (AdamW: θ·(1 − lr·λ)). */
  weightDecay?: number;
  /** AMSGrad: normalize by the running maximum of the second moment (default false). */
  amsgrad?: boolean;
}

export const ADAM_RULES: OptionRules = {
  lr: { kind: 'number', min: 0 },
  betas: { kind: 'betas' },
  eps: { kind: 'number', min: 0 },
  weightDecay: { kind: 'number', min: 0 },
  amsgrad: { kind: 'boolean' },
};

const f = Math.fround;

/**
 * The Adam update of torch 1.13 (`_single_tensor_adam` / `_single_tensor_adamw`), shared by Adam and AdamW.
 * Not exported from the package: use `Adam` or `AdamW`.
 */
export abstract class AdamFamily extends Optimizer {
  protected constructor(
    className: string,
    params: ParamsInput<AdamFamilyOptions>,
    options: AdamFamilyOptions,
    defaults: Required<AdamFamilyOptions>,
    private readonly decoupled: boolean,
  ) {
    super(className, params, options, defaults, ADAM_RULES);
  }

  protected override stateSchema(group: ParamGroup): StateSchema {
    const required = ['step', 'expAvg', 'expAvgSq'];
    return group.amsgrad === true ? { required: [...required, 'maxExpAvgSq'] } : { required, optional: ['maxExpAvgSq'] };
  }

  protected override updateGroup(group: ParamGroup, grads: Float32Array[], first: number): void {
    const lr = group.lr;
    const [beta1, beta2] = group.betas as [number, number];
    const weightDecay = group.weightDecay as number;
    const amsgrad = group.amsgrad as boolean;
    const b1 = f(beta1);
    const b2 = f(beta2);
    const oneMinusB1 = f(1 - beta1);
    const oneMinusB2 = f(1 - beta2);
    const eps = f(group.eps as number);
    const coupledWd = this.decoupled ? 0 : f(weightDecay);
    const decay = this.decoupled ? f(1 - lr * weightDecay) : 1;

    // Plain loops, not forEach: V8 runs the element loop of a callback closure at about half the speed.
    for (let j = 0; j < group.params.length; j++) {
      const param = group.params[j]!;
      const grad = grads[first + j]!;
      const n = param.length;
      const state = (this.state[first + j] ??= { step: 0 }) as LiveState;
      const m = (state.expAvg ??= new Float32Array(n)) as Float32Array;
      const v = (state.expAvgSq ??= new Float32Array(n)) as Float32Array;
      const vMax = amsgrad ? ((state.maxExpAvgSq ??= new Float32Array(n)) as Float32Array) : undefined;
      const step = (state.step = ((state.step as number | undefined) ?? 0) + 1);

      // Scalars in double precision, as torch computes them in Python, then cast to float by the kernels.
      const biasCorrection1 = 1 - beta1 ** step;
      const biasCorrection2Sqrt = f(Math.sqrt(1 - beta2 ** step));
      const negStepSize = f(-(lr / biasCorrection1));

      for (let i = 0; i < n; i++) {
        let g = grad[i]!;
        if (coupledWd !== 0) g = f(g + coupledWd * param[i]!);
        if (decay !== 1) param[i] = param[i]! * decay;
        const mi = (m[i] = f(f(m[i]! * b1) + oneMinusB1 * g));
        let vi = (v[i] = f(f(v[i]! * b2) + f(oneMinusB2 * g) * g));
        if (vMax !== undefined) vi = vMax[i] = Math.max(vMax[i]!, vi);
        const denom = f(f(f(Math.sqrt(vi)) / biasCorrection2Sqrt) + eps);
        param[i] = param[i]! + f(negStepSize * mi) / denom;
      }
    }
  }
}
