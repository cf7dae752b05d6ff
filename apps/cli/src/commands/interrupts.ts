import type { Logger } from 'pino';

/** What {@link handleInterrupts} returns: how many interrupts came, and the way to remove the handlers. */
export interface Interrupts {
  count(): number;
  dispose(): void;
}

/**
 * SIGINT/SIGTERM of a command that runs a parameter server (`train`, `ps`): the first calls `first` (finish the step,
 * checkpoint and stop), a second `second` (stop at once), each after a warning line saying so.
 * @example
 * const interrupts = handleInterrupts(log, { first: () => ps.requestStop(), second: () => void ps.close() });
 */
export function handleInterrupts(log: Logger, { first, second }: { first: () => void; second: () => void }): Interrupts {
  let count = 0;
  const onSignal = () => {
    count += 1;
    if (count === 1) {
      log.warn('interrupted: finishing the step, checkpointing and stopping (interrupt again to stop at once)');
      first();
    } else {
      log.warn('interrupted again: stopping at once');
      second();
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    count: () => count,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

/** The one line of a run stopped on request: where, and how to go on. */
export function stoppedLine(stopped: { step: number; checkpoint: string | null }): string {
  return `interrupted at step ${stopped.step}; ${stopped.checkpoint ? `continue with --resume (checkpoint ${stopped.checkpoint})` : 'no checkpoint to resume from'}`;
}
