// Public face of core/train: the one-batch training step a worker calls.
export { createTrainer } from './trainer.js';
export type { EvaluationResult, Trainer, TrainerOptions } from './trainer.js';
export { countTopK } from './accuracy.js';
