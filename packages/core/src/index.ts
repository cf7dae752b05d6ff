/**
 * @tensorfleet/core — the lecture's training toolkit for TensorFlow.js, usable on its own inside plain tfjs.
 * Each area's folder has an index.ts that is its whole public face; this file re-exports them.
 */
export * from './backend/index.js';
export * from './data/index.js';
export * from './init/index.js';
export * from './layers/index.js';
export * from './losses/index.js';
export { customOp, type CustomOpForward, type GradSave } from './ops/custom-op.js';
export * from './models/index.js';
export { findNonFinite } from './numeric/find-non-finite.js';
export { jsStepLoops, stepLoops, useStepLoops, type StepLoops } from './numeric/step-loops.js';
export * from './optim/index.js';
export * from './regularizers/index.js';
export * from './schedulers/index.js';
export * from './train/index.js';
export * from './spec/index.js';
