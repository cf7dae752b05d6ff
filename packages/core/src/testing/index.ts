export { assertClose, loadFixture } from './assert.js';
export { bnTrainingStep, type BnStepResult } from './bn-training-step.js';
export { registerFileSaveRouter } from './file-save-router.js';
export { idxBytes } from '../data/fixture-files.js';
