import { exitCodes } from '@tensorfleet/protocol';

/**
 * For a child started with an IPC channel (`stdio: [..., 'ipc']`, as `tensorfleet train` starts its workers): exits
 * the process with exitCodes.failed as soon as the channel closes, which the kernel does when the parent dies for any reason,
 * SIGKILL included — so no orphan worker trains on. Returns whether there is such a parent (false: nothing watched).
 * @example
 * const managed = exitWithParent(() => log.error('parent gone'));
 */
export function exitWithParent(onGone: () => void): boolean {
  if (!process.channel) return false;
  process.channel.unref(); // the channel alone must not keep the worker alive
  process.once('disconnect', () => {
    onGone();
    process.exit(exitCodes.failed);
  });
  return true;
}
