/**
 * Where a sync step's time goes, phase by phase, on each side of the wire. A worker's step is
 * prepare (next batch) → compute (forward/backward) → serialize (push frame) → send → wait (until the new parameters
 * are decoded) → assign (into the model); the parameter server's is straggle (first push of the step to the last) →
 * aggregate (the rank-order mean not yet done on arrival) → optimizer → broadcast (encode and send the parameters).
 * A worker's `wait` contains the server's phases plus the transfers; what is left after subtracting them is transport
 * and event-loop latency.
 */
export const stepPhases = {
  worker: ['prepare', 'compute', 'serialize', 'send', 'wait', 'assign'],
  ps: ['straggle', 'aggregate', 'optimizer', 'broadcast'],
} as const;
export type WorkerStepPhase = (typeof stepPhases.worker)[number];

/**
 * Instants of a sync step that lie on its critical path, stamped per step on the machine's clock (performance.timeOrigin
 * + performance.now(), so marks of processes on one host line up): from the last worker's push to every worker holding
 * the new parameters. A worker marks `pushed` (its push is on the wire), `paramsIn` (the parameters' message reached
 * its socket), `paramsRead` (read and decoded) and `assigned` (in the model); the parameter server `lastPushIn` (the
 * step's last push reached its socket), `lastPushRead`, `meanDone`, `optimized` and `broadcast` (every worker was sent
 * the parameters). Phases add time up per process; marks show what waits on what across processes (the comm bench
 * joins them: test/bench/lib/step-breakdown.js).
 */
export const stepMarks = {
  worker: ['pushed', 'paramsIn', 'paramsRead', 'assigned'],
  ps: ['lastPushIn', 'lastPushRead', 'meanDone', 'optimized', 'broadcast'],
} as const;
export type StepMark = (typeof stepMarks.worker)[number] | (typeof stepMarks.ps)[number];
/** Steps whose marks a process keeps (the latest ones): a long run's report stays one bounded log line. */
export const MARKED_STEPS = 512;
export type PsStepPhase = (typeof stepPhases.ps)[number];
export type StepPhase = WorkerStepPhase | PsStepPhase;

/** Set to 1 in a process's environment (the CLI passes it on to its local workers) to profile every step. */
export const STEP_PROFILE_ENV = 'TENSORFLEET_STEP_PROFILE';

/** Mean ms per step of each phase, and the steps measured: the `profile` field of the step-profile log line. */
export interface StepProfileReport {
  steps: number;
  msPerStep: Partial<Record<StepPhase, number>>;
  /** Per mark, [step, ms since the epoch] of the last {@link MARKED_STEPS} steps marked, oldest first. */
  marks?: Partial<Record<StepMark, [number, number][]>>;
}

/**
 * Accumulates phase times. Off, every method is an empty call returning 0 (no clock read, no allocation), so the
 * step path calls it unconditionally.
 * @example
 * const profile = stepProfiler(process.env[STEP_PROFILE_ENV] === '1');
 * let t = profile.now();
 * send(frame);
 * t = profile.lap('send', t);   // adds the ms since t to 'send', returns now
 * profile.mark('pushed', step); // this step's push is on the wire, on the machine's clock
 * profile.stepDone();
 * log.info({ profile: profile.report() }, logMessages.stepProfile);
 */
export interface StepProfiler {
  readonly enabled: boolean;
  /** A timestamp (performance.now()), or 0 when off. */
  now(): number;
  /** Adds now − `since` to `phase`; returns now (0 when off). */
  lap(phase: StepPhase, since: number): number;
  /** Adds `ms` measured elsewhere to `phase`. */
  add(phase: StepPhase, ms: number): void;
  /** Counts one step. */
  stepDone(): void;
  /**
   * Stamps `mark` of `step` at `at` (a performance.now() value; default now). A later stamp of the same mark and step
   * replaces an earlier one, so a mark made once per arrival keeps the last.
   */
  mark(mark: StepMark, step: number, at?: number): void;
  /** Mean ms per step so far, or null when off or nothing was measured. */
  report(): StepProfileReport | null;
}

const off: StepProfiler = {
  enabled: false,
  now: () => 0,
  lap: () => 0,
  add: () => {},
  stepDone: () => {},
  mark: () => {},
  report: () => null,
};

class RecordingProfiler implements StepProfiler {
  readonly enabled = true;
  private readonly totals = new Map<StepPhase, number>();
  private steps = 0;
  private readonly marks = new Map<StepMark, Map<number, number>>();

  now(): number {
    return performance.now();
  }

  lap(phase: StepPhase, since: number): number {
    const t = performance.now();
    this.add(phase, t - since);
    return t;
  }

  add(phase: StepPhase, ms: number): void {
    this.totals.set(phase, (this.totals.get(phase) ?? 0) + ms);
  }

  stepDone(): void {
    this.steps += 1;
  }

  mark(mark: StepMark, step: number, at = performance.now()): void {
    let byStep = this.marks.get(mark);
    if (!byStep) this.marks.set(mark, (byStep = new Map()));
    byStep.delete(step); // re-inserted last: the Map's order stays the order of the latest stamps
    byStep.set(step, performance.timeOrigin + at);
    if (byStep.size > MARKED_STEPS) byStep.delete(byStep.keys().next().value!);
  }

  report(): StepProfileReport | null {
    if (this.steps === 0) return null;
    const msPerStep: Partial<Record<StepPhase, number>> = {};
    for (const [phase, ms] of this.totals) msPerStep[phase] = ms / this.steps;
    if (this.marks.size === 0) return { steps: this.steps, msPerStep };
    const marks: Partial<Record<StepMark, [number, number][]>> = {};
    for (const [mark, byStep] of this.marks) marks[mark] = [...byStep].sort((a, b) => a[0] - b[0]);
    return { steps: this.steps, msPerStep, marks };
  }
}

/** A recording profiler when `enabled`, else the shared no-op one. */
export function stepProfiler(enabled: boolean): StepProfiler {
  return enabled ? new RecordingProfiler() : off;
}
