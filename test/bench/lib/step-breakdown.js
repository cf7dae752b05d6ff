// Reads the step profiles a run's processes log at their end (STEP_PROFILE_ENV=1) from OUT/log.jsonl and lays out
// where a sync step's time goes: the workers' phases (mean over ranks), the parameter server's, and what of a
// worker's wait the server's phases do not explain (transfers, decoding, event-loop latency).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { logMessages, runFiles, stepMarks, stepPhases } from '@tensorfleet/protocol';

/** The step profiles the run folder's log holds: { workers: [StepProfileReport], ps: StepProfileReport | undefined }. */
function readProfiles(runDir) {
  const lines = readFileSync(join(runDir, runFiles.log), 'utf8').split('\n').filter((l) => l.includes(`"${logMessages.stepProfile}"`));
  const profiles = lines.map((l) => JSON.parse(l)).filter((l) => l.msg === logMessages.stepProfile && l.profile);
  return { workers: profiles.filter((p) => p.role === 'worker').map((p) => p.profile), ps: profiles.find((p) => p.role === 'ps')?.profile };
}

/** { worker: {phase: ms}, ps: {phase: ms}, workers, steps } from the run folder's log, or null when none was logged. */
export function readStepBreakdown(runDir) {
  const { workers, ps } = readProfiles(runDir);
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

/**
 * The critical path of a sync step, from the processes' step marks (stepMarks in @tensorfleet/protocol; one host, one
 * clock): for each step every process marked, the segments from the workers' pushes to every worker holding the new
 * parameters, in order. Each segment is [name, what it is, ms per step]; `total` runs from the last push on the wire
 * to the last worker's assignment. Returns { steps, segments: [{ name, about, median, mean }], total: { median, mean } }
 * or null when the processes logged no marks (a build before them, or a sharded run, whose shards do not mark).
 */
export function readCriticalPath(runDir) {
  const { workers, ps } = readProfiles(runDir);
  const psMarks = ps?.marks;
  const workerMarks = workers.map((w) => w.marks).filter(Boolean);
  if (!psMarks || workerMarks.length === 0 || workerMarks.length !== workers.length) return null;
  const index = (pairs) => new Map(pairs ?? []);
  const at = {
    ps: Object.fromEntries(stepMarks.ps.map((m) => [m, index(psMarks[m])])),
    workers: workerMarks.map((marks) => Object.fromEntries(stepMarks.worker.map((m) => [m, index(marks[m])]))),
  };
  const segments = [
    ['skew', "the slowest worker's lag: its push after the first one's"],
    ['push note', "the last push, from its worker's send call returning to the server's socket (< 0: the server had it first)"],
    ['read push', 'the server reads (shared memory or socket) and decodes it'],
    ['last fold', 'the rank-order mean: what is left of it after the last push'],
    ['optimizer', 'the update'],
    ['to 1st worker', "from the update to the first worker's socket"],
    ['to last worker', "from the update to the last worker's socket"],
    ['read params', 'a worker reads and decodes the parameters (mean over workers)'],
    ['assign', 'a worker puts them into its model (mean over workers)'],
  ];
  const values = segments.map(() => []);
  const total = [];
  const steps = [...at.ps.broadcast.keys()];
  for (const s of steps) {
    const w = (m) => at.workers.map((marks) => marks[m].get(s));
    const p = (m) => at.ps[m].get(s);
    const [pushed, paramsIn, paramsRead, assigned] = stepMarks.worker.map(w);
    const all = [...pushed, ...paramsIn, ...paramsRead, ...assigned, ...stepMarks.ps.map(p)];
    if (all.some((v) => v === undefined)) continue; // a step some process did not mark (the first, a reconnect)
    const lastPush = Math.max(...pushed);
    const meanOf = (a, b) => a.reduce((sum, v, i) => sum + v - b[i], 0) / a.length;
    [
      lastPush - Math.min(...pushed),
      p('lastPushIn') - lastPush,
      p('lastPushRead') - p('lastPushIn'),
      p('meanDone') - p('lastPushRead'),
      p('optimized') - p('meanDone'),
      Math.min(...paramsIn) - p('optimized'),
      Math.max(...paramsIn) - p('optimized'),
      meanOf(paramsRead, paramsIn),
      meanOf(assigned, paramsRead),
    ].forEach((v, k) => values[k].push(v));
    total.push(Math.max(...assigned) - lastPush);
  }
  if (total.length === 0) return null;
  const stats = (v) => ({ median: median(v), mean: v.reduce((a, b) => a + b, 0) / v.length });
  return { steps: total.length, segments: segments.map(([name, about], k) => ({ name, about, ...stats(values[k]) })), total: stats(total) };
}

/** The critical path as printable lines. */
export function formatCriticalPath(c) {
  const f = (v) => v.toFixed(2).padStart(6);
  const width = Math.max(...c.segments.map((s) => s.name.length), 'last push → all assigned'.length);
  return [
    `critical path of a sync step (ms, median / mean over ${c.steps} steps; process marks on one clock):`,
    ...c.segments.map((s) => `  ${s.name.padEnd(width)} ${f(s.median)} ${f(s.mean)}  ${s.about}`),
    `  ${'last push → all assigned'.padEnd(width)} ${f(c.total.median)} ${f(c.total.mean)}  (the segments overlap: 'to 1st worker' lies inside 'to last worker')`,
  ];
}

/** The median of a non-empty list of numbers. */
export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}
