// Public face of core/init: torch.nn.init formulas (Xavier/Glorot, He/MSRA) as tfjs initializers.
// The name list/type (initializerNames, InitializerName, in initializer-names.ts) is exported by core/models' spec, which validates model
// specs against the same six names; it is not re-exported here to keep the package root unambiguous.
export { initializer, type InitializerOptions } from './initializer.js';
export { UntruncatedVarianceScaling, type FanMode, type Initializer, type UntruncatedVarianceScalingArgs } from './untruncated-variance-scaling.js';
export { computeFans, type Fans } from './fans.js';
