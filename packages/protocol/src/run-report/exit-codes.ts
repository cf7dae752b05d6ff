/**
 * How a `tensorfleet` command ends. The HPO coordinator reads a trial's code (diverged = crashed at its epoch), scripts
 * read every one; nothing else spells these numbers.
 *
 * @example
 * process.exitCode = exitCodes.usage; // `--epochs 1.5`
 */
export const exitCodes = {
  ok: 0,
  /** The run failed (a lost worker, an unreachable server, a bug). */
  failed: 1,
  /** Bad configuration or usage: a flag, a config field, a missing file, a study or trial that does not exist. */
  usage: 2,
  /** The recipe diverged: a non-finite loss, gradient or statistic. */
  diverged: 3,
  /** The address to listen on is taken (port in use) or not ours to take. */
  unavailable: 4,
  /**
   * Stopped by SIGINT/SIGTERM (a study pauses and can be resumed; a run checkpoints first), or a worker whose run was
   * stopped before it completed: a worker exits `ok` only when the run completed.
   */
  interrupted: 130,
} as const;
export type ExitCode = (typeof exitCodes)[keyof typeof exitCodes];
