import type { Logger } from 'pino';
import { terminalStopPolicy, type StopPolicy } from '../cluster/stop-policy.js';

/** What {@link handleInterrupts} returns: how many interrupts came, and the way to remove the handlers. */
export interface Interrupts {
  count(): number;
  dispose(): void;
}

/**
 * SIGINT/SIGTERM of a command that runs a parameter server (`train`, `ps`): the first calls `first` (finish the step,
 * checkpoint and stop), a second `second` (stop at once), each after a warning line saying so. Under a scheduler
 * (`escalates: false`, e.g. Slurm's SIGTERM then SIGKILL after KillWait, or its USR1 before the time limit) every
 * signal repeats the first request: a scheduler's repeat must not cost the checkpoint.
 * @example
 * const interrupts = handleInterrupts(log, { first: () => ps.requestStop(), second: () => void ps.close() });
 */
export function handleInterrupts(
  log: Logger,
  { first, second }: { first: () => void; second: () => void },
  { signals, escalates }: StopPolicy = terminalStopPolicy,
): Interrupts {
  let count = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    count += 1;
    if (count === 1) {
      log.warn({ signal }, `interrupted: finishing the step, checkpointing and stopping${escalates ? ' (interrupt again to stop at once)' : ''}`);
      first();
    } else if (escalates) {
      log.warn('interrupted again: stopping at once');
      second();
    } else {
      log.warn({ signal }, 'interrupted again: still finishing the step and checkpointing');
    }
  };
  for (const s of signals) process.on(s, onSignal);
  return {
    count: () => count,
    dispose: () => {
      for (const s of signals) process.off(s, onSignal);
    },
  };
}

/** The one line of a run stopped on request: where, and how to go on. */
export function stoppedLine(stopped: { step: number; checkpoint: string | null }): string {
  return `interrupted at step ${stopped.step}; ${stopped.checkpoint ? `continue with --resume (checkpoint ${stopped.checkpoint})` : 'no checkpoint to resume from'}`;
}
