// Public face of core/regularizers: weight penalties for tfjs layers and for our own training step.
// Convention: l1 = λ·Σ|w|, l2 = (λ/2)·Σw² (gradient λ·w == torch SGD weight_decay=λ; Keras' l2(λ) is our l2(2λ)).
export { L1L2Penalty, l1, l2, l1l2, type Regularizer } from './l1l2-penalty.js';
export { regularizationPenalty, type PenaltyRates } from './penalty.js';
