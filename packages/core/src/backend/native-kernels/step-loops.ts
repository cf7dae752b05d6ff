import type { StepLoops } from '../../numeric/step-loops.js';
import type { NativeKernels } from './heap.js';

/**
 * The addon's step loops (C, vectorized; the same bits as jsStepLoops), which installNativeKernels puts in use.
 * @example
 * useStepLoops(nativeStepLoops(await loadNativeKernels(1)));
 */
export function nativeStepLoops(native: NativeKernels): StepLoops {
  return {
    name: 'native',
    addInto: (sum, t) => native.addInto(sum, t),
    addDivideInto: (sum, t, divisor) => native.addDivideInto(sum, t, divisor),
    sgdMomentum: (param, grad, buf, mu, keep, weightDecay, negLr) => native.sgdMomentum(param, grad, buf, mu, keep, weightDecay, negLr),
    findNonFinite: (values) => native.findNonFinite(values),
  };
}
