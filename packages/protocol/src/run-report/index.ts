/**
 * The run-report contract: what tensorfleet's processes write about a run and read back from each other — log line
 * roles and messages, the epoch line, metrics.csv, summary.json, exit codes and divergence. Defined here once; the
 * PS, workers, CLI, coordinator and dashboard import it. No Node-only imports, so a browser page can use it too.
 */
export { roles, type Role } from './roles.js';
export { exitCodes, type ExitCode } from './exit-codes.js';
export { DivergedError, isDivergence, nonFiniteCode } from './diverged.js';
export { runFiles, type RunFile } from './log-files.js';
export { logMessages, type LogMessage } from './log-messages.js';
export { epochMetricFields, objectiveMetricFields, readEpochLine, epochMetrics, type EpochLine, type EpochMetricField } from './epoch-line.js';
export { metricsCsvColumns, metricsCsvHeader, metricsCsvRow, parseMetricsCsv } from './metrics-csv.js';
export { visibleDevices, type VisibleDevices } from './devices.js';
export type { RunSummary, RunHistoryEntry } from './summary.js';
export { stepPhases, stepMarks, MARKED_STEPS, stepProfiler, STEP_PROFILE_ENV, type StepMark, type StepPhase, type WorkerStepPhase, type PsStepPhase, type StepProfiler, type StepProfileReport } from './step-profile.js';
