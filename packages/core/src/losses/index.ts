// Public face of core/losses.
export {
  labelSmoothingCrossEntropy,
  PROBABILITY_CLIP,
  type LabelSmoothingOptions,
  type LossFunction,
  type SmoothingFormula,
} from './label-smoothing.js';
