// Reads the step profiles a run's processes log at their end (STEP_PROFILE_ENV=1) from OUT/log.jsonl and lays out
// where a sync step's time goes: the workers' phases (mean over ranks), the parameter server's, and what of a
// worker's wait the server's phases do not explain (transfers, decoding, event-loop latency).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { logMessages, runFiles, stepPhases } from '@tensorfleet/protocol';

/** { worker: {phase: ms}, ps: {phase: ms}, workers, steps } from the run folder's log, or null when none was logged. */
export function readStepBreakdown(runDir) {
  const lines = readFileSync(join(runDir, runFiles.log), 'utf8').split('\n').filter((l) => l.includes(`"${logMessages.stepProfile}"`));
  const profiles = lines.map((l) => JSON.parse(l)).filter((l) => l.msg === logMessages.stepProfile && l.profile);
  const workers = profiles.filter((p) => p.role === 'worker').map((p) => p.profile);
  const ps = profiles.find((p) => p.role === 'ps')?.profile;
  if (workers.length === 0 || !ps) return null;
  const mean = (phase) => workers.reduce((s, w) => s + (w.msPerStep[phase] ?? 0), 0) / workers.length;
  return {
    workers: workers.length,
    steps: ps.steps,
    worker: Object.fromEntries(stepPhases.worker.map((p) => [p, mean(p)])),
    ps: Object.fromEntries(stepPhases.ps.map((p) => [p, ps.msPerStep[p] ?? 0])),
  };
}

/** Mean compute and communication ms per step over a summary's epochs, weighted by their steps. */
export function stepTimes(summary) {
  const steps = summary.history.reduce((n, e) => n + (e.steps ?? 0), 0) || summary.history.length;
  const weighted = (key) => summary.history.reduce((s, e) => s + e[key] * (e.steps ?? 1), 0) / steps;
  const computeMs = weighted('computeMsPerStep');
  const commMs = weighted('commMsPerStep');
  return { computeMs, commMs, commShare: commMs / (computeMs + commMs) };
}

/** The breakdown as printable lines. */
export function formatStepBreakdown(b) {
  const f = (v) => v.toFixed(2);
  const serverMs = stepPhases.ps.reduce((s, p) => s + b.ps[p], 0);
  return [
    `step breakdown (ms per step; workers: mean over ${b.workers} ranks; ${b.steps} steps):`,
    `  worker  ${stepPhases.worker.map((p) => `${p} ${f(b.worker[p])}`).join(' | ')}`,
    '          (prepare cuts the next batch while waiting: it overlaps wait and counts in neither compute nor comm)',
    `  ps      ${stepPhases.ps.map((p) => `${p} ${f(b.ps[p])}`).join(' | ')}`,
    `  wait − ps phases (transfers, decode, event-loop latency): ${f(b.worker.wait - serverMs)}`,
  ];
}
