export { buildProgram, main } from './main.js';
export { runTrain } from './commands/train.js';
export type { RunSummary } from './commands/train-summary.js';
export { parsePrometheusText, type PromFamily, type PromSample } from './dashboard/prometheus-text.js';
export type { RunReportData } from './report-html/run-report-data.js';
