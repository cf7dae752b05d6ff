// The float32 loops of a training step that run outside tfjs, on plain Float32Arrays: the parameter server's mean of
// the pushes, SGD's momentum update and the finiteness check of every tensor taken. They sit on a sync step's
// critical path (every worker waits while the server runs them), so they are a strategy: these JavaScript loops by
// default, the native addon's C loops when the native backend is installed (backend/native-kernels/step-loops.ts).
// Every implementation produces the same bits.

import { scanNonFinite } from './scan-non-finite.js';

const f = Math.fround;

/**
 * The step loops. Each works in place on its first argument(s); arrays of one call have one length (the caller checks).
 * Rounding is part of the contract: JavaScript computes in double, so each operation below is rounded to float32 only
 * where it says f32(…), exactly as the loops here do.
 */
export interface StepLoops {
  /** 'js' (these loops) or 'native' (@tensorfleet/native's). */
  readonly name: string;
  /** sum[i] = f32(sum[i] + t[i]). */
  addInto(sum: Float32Array, t: Float32Array): void;
  /** sum[i] = f32(f32(sum[i] + t[i]) / divisor): the last fold of a mean and its division in one pass. */
  addDivideInto(sum: Float32Array, t: Float32Array, divisor: number): void;
  /**
   * SGD's steady momentum step (torch.optim.SGD past its first step, without nesterov), every scalar a float32 value:
   * buf[i] = f32(f32(buf[i]·mu) + keep·f32(grad[i] + weightDecay·param[i])) (weightDecay 0: keep·grad[i]);
   * param[i] = f32(param[i] + negLr·buf[i]).
   */
  sgdMomentum(param: Float32Array, grad: Float32Array, buf: Float32Array, mu: number, keep: number, weightDecay: number, negLr: number): void;
  /** The index of the first NaN or ±Infinity in `values`, or -1 (findNonFinite's). */
  findNonFinite(values: Float32Array): number;
}

/** The loops in JavaScript (plain loops, not forEach: V8 runs a callback's element loop at about half the speed). */
export const jsStepLoops: StepLoops = {
  name: 'js',
  addInto(sum, t) {
    for (let i = 0; i < sum.length; i++) sum[i] = sum[i]! + t[i]!;
  },
  addDivideInto(sum, t, divisor) {
    for (let i = 0; i < sum.length; i++) sum[i] = f(sum[i]! + t[i]!) / divisor;
  },
  sgdMomentum(param, grad, buf, mu, keep, weightDecay, negLr) {
    const n = param.length;
    if (weightDecay !== 0) {
      for (let i = 0; i < n; i++) {
        const p = param[i]!;
        const b = f(f(buf[i]! * mu) + keep * f(grad[i]! + weightDecay * p));
        buf[i] = b;
        param[i] = p + negLr * b;
      }
    } else {
      for (let i = 0; i < n; i++) {
        const b = f(f(buf[i]! * mu) + keep * grad[i]!);
        buf[i] = b;
        param[i] = param[i]! + negLr * b;
      }
    }
  },
  findNonFinite: scanNonFinite,
};

let active: StepLoops = jsStepLoops;

/**
 * The step loops in use in this process.
 * @example
 * stepLoops().addInto(sums[k], grads[k]); // sums[k] += grads[k], in float32
 */
export function stepLoops(): StepLoops {
  return active;
}

/** Makes `loops` the ones in use (selectBackend does: native installs the addon's, wasm and cpu restore these). */
export function useStepLoops(loops: StepLoops): void {
  active = loops;
}
