import type { StepLoops } from '../../numeric/step-loops.js';
import type { NativeKernels } from './heap.js';

/**
 * The addon's step loops (C, vectorized; the same bits as jsStepLoops), which installNativeKernels puts in use.
 * @example
 * useStepLoops(nativeStepLoops(await loadNativeKernels(1)));
 */
export function nativeStepLoops(native: NativeKernels): StepLoops {
  // The addon's functions themselves (N-API callbacks use no `this`): no wrapper call on the step path.
  const { addInto, addDivideInto, sgdMomentum, findNonFinite } = native;
  return { name: 'native', addInto, addDivideInto, sgdMomentum, findNonFinite };
}
