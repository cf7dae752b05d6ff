// Public face of core/init: torch.nn.init formulas (Xavier/Glorot, He/MSRA) as tfjs initializers.
export { initializer, initializerNames, type InitializerName, type InitializerOptions } from './initializer.js';
export { UntruncatedVarianceScaling, type FanMode, type Initializer, type UntruncatedVarianceScalingArgs } from './untruncated-variance-scaling.js';
export { computeFans, type Fans } from './fans.js';
