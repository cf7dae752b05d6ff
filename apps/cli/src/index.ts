export { buildProgram, main } from './main.js';
export { runTrain } from './commands/train.js';
export type { RunSummary } from './commands/train-summary.js';
