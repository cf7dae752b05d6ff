/**
 * How whoever started a tensorfleet process asks its run to stop: the signals that mean "finish the step, checkpoint
 * and stop", and whether a repeat means "stop at once". One policy per starter, chosen from the environment.
 */
export interface StopPolicy {
  readonly signals: readonly NodeJS.Signals[];
  /** True: a second signal stops at once (a terminal's second Ctrl-C). False: repeats ask the same again. */
  readonly escalates: boolean;
}

/** A terminal or a plain supervisor: Ctrl-C or `kill` checkpoints and stops, a second one stops at once. */
export const terminalStopPolicy: StopPolicy = { signals: ['SIGINT', 'SIGTERM'], escalates: true };

/**
 * A Slurm job's: SIGTERM (scancel, a requeue, preemption, the time limit; often twice, from slurmstepd and srun) and
 * SIGUSR1 (`--signal=USR1@N` before the time limit, the Lightning convention). Node's default for SIGUSR1 is to open
 * its inspector on 127.0.0.1:9229 — a debugger any user of the node could attach to — so every tensorfleet process in
 * a job must take it. Repeats never escalate: Slurm sends SIGKILL itself when it stops waiting.
 */
export const slurmStopPolicy: StopPolicy = { signals: ['SIGTERM', 'SIGINT', 'SIGUSR1'], escalates: false };

/**
 * The policy of this process: Slurm's inside any Slurm job (a batch script, an srun task, a trial's job), else a
 * terminal's.
 * @example
 * handleInterrupts(log, actions, stopPolicyOf(process.env)); // under sbatch: USR1 too, no escalation
 */
export function stopPolicyOf(env: NodeJS.ProcessEnv): StopPolicy {
  return env.SLURM_JOB_ID !== undefined ? slurmStopPolicy : terminalStopPolicy;
}

/** What a worker process does with each signal: stop after its step and say bye, or leave the stop to the server. */
export interface WorkerSignals {
  readonly stop: readonly NodeJS.Signals[];
  /** Taken and logged, nothing more: the server gets the same signal and tells this worker when the run stops. */
  readonly ignore: readonly NodeJS.Signals[];
}

/**
 * The signals of a `tensorfleet worker`. Outside Slurm a worker stops on SIGTERM/SIGINT (its parent `train` stops it
 * with SIGTERM; a terminal's Ctrl-C reaches only `train`: the workers have their own process group). In a Slurm job
 * every process of the step gets the scheduler's signals at once, so a worker that `train` started (`supervised`:
 * its server runs in the parent) leaves the stop to that server: leaving on its own before the server's last step
 * would cost the run its checkpoint (the server waits for a lost worker instead). A worker on its own in a job stops
 * on SIGTERM/SIGINT; USR1, the time limit's warning, is its server's business.
 * @example
 * const { stop, ignore } = workerSignals(process.env, exitWithParent(onGone));
 */
export function workerSignals(env: NodeJS.ProcessEnv, supervised: boolean): WorkerSignals {
  if (stopPolicyOf(env) !== slurmStopPolicy) return { stop: terminalStopPolicy.signals, ignore: [] };
  if (supervised) return { stop: [], ignore: slurmStopPolicy.signals };
  return { stop: terminalStopPolicy.signals, ignore: slurmStopPolicy.signals.filter((s) => !terminalStopPolicy.signals.includes(s)) };
}
