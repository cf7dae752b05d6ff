import { Optimizer, type LiveState, type StateSchema } from './optimizer.js';
import { OptimizerError, type OptionRules } from './options.js';
import { stepLoops } from '../numeric/step-loops.js';
import type { ParamGroup, ParamsInput } from './types.js';

export interface SGDOptions {
  /** Learning rate. Required unless every param group gives its own (as in torch). */
  lr?: number;
  /** Momentum factor μ (default 0: plain SGD). */
  momentum?: number;
  /** Dampening τ for momentum: buf = μ·buf + (1−τ)·g (default 0). */
  dampening?: number;
  /** Coupled weight decay λ (L2): g ← g + λ·θ before momentum (default 0). */
  weightDecay?: number;
  /** Nesterov momentum: step along g + μ·buf (default false; needs momentum > 0 and dampening 0). */
  nesterov?: boolean;
}

const RULES: OptionRules = {
  lr: { kind: 'number', min: 0 },
  momentum: { kind: 'number', min: 0 },
  // torch does not bound dampening; only finiteness is required.
  dampening: { kind: 'number', min: -Infinity },
  weightDecay: { kind: 'number', min: 0 },
  nesterov: { kind: 'boolean' },
};
const DEFAULTS = { lr: undefined, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false };

const f = Math.fround;

/**
 * Stochastic gradient descent with momentum, torch.optim.SGD (1.13) exactly:
 * g ← g + λθ; buf ← g on the first step, else μ·buf + (1−τ)·g; d ← nesterov ? g + μ·buf : buf; θ ← θ − lr·d.
 * Arithmetic is rounded to float32 after every tensor operation torch performs, so results track torch's to a few ulps.
 * @example
 * const w = new Float32Array([0.5, -1]);
 * const opt = new SGD([w], { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 1e-4 });
 * opt.step([new Float32Array([0.2, 0.4])]);
 */
export class SGD extends Optimizer {
  constructor(params: ParamsInput<SGDOptions>, options: SGDOptions = {}) {
    super('SGD', params, options, DEFAULTS, RULES);
  }

  protected override checkOptionCombination(group: ParamGroup, where: string): void {
    if (group.nesterov === true && ((group.momentum as number) <= 0 || group.dampening !== 0)) {
      throw new OptimizerError(
        `SGD: ${where} has nesterov: true, which requires momentum > 0 and dampening 0 ` +
          `(got momentum ${String(group.momentum)}, dampening ${String(group.dampening)})`,
      );
    }
  }

  protected override stateSchema(group: ParamGroup): StateSchema {
    return group.momentum !== 0 ? { required: ['momentumBuffer'] } : { required: [], optional: ['momentumBuffer'] };
  }

  protected override updateGroup(group: ParamGroup, grads: Float32Array[], first: number): void {
    const momentum = group.momentum as number;
    const nesterov = group.nesterov as boolean;
    const wd = f(group.weightDecay as number);
    const mu = f(momentum);
    const keep = f(1 - (group.dampening as number));
    const negLr = f(-group.lr);
    // Plain loops, not forEach: V8 runs the element loop of a callback closure at about half the speed.
    for (let j = 0; j < group.params.length; j++) {
      const param = group.params[j]!;
      const grad = grads[first + j]!;
      let buf: Float32Array | undefined;
      let fresh = false;
      if (momentum !== 0) {
        const state = (this.state[first + j] ??= {}) as LiveState;
        buf = state.momentumBuffer as Float32Array | undefined;
        if (buf === undefined) {
          buf = state.momentumBuffer = new Float32Array(param.length);
          fresh = true;
        }
      }
      if (buf !== undefined && !fresh && !nesterov) {
        // The steady state of momentum SGD, without the per-element branches: the very same float32 operations, in
        // the process's step loops (C when the native backend is installed; on a parameter server's critical path).
        stepLoops().sgdMomentum(param, grad, buf, mu, keep, wd, negLr);
        continue;
      }
      for (let i = 0; i < param.length; i++) {
        let d = grad[i]!;
        if (wd !== 0) d = f(d + wd * param[i]!);
        if (buf !== undefined) {
          // torch: the first buffer is a clone of the (decayed) gradient, not μ·0 + (1−τ)·g.
          const b = fresh ? d : f(f(buf[i]! * mu) + keep * d);
          buf[i] = b;
          d = nesterov ? f(d + mu * b) : b;
        }
        param[i] = param[i]! + negLr * d;
      }
    }
  }
}

/** Option ranges and defaults, for configs and docs (core/spec builds its schema from them). */
export { RULES as SGD_RULES, DEFAULTS as SGD_DEFAULTS };
