import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { streamLines } from './line-stream.js';
import { processStartTime, reapGroup, signalGroup } from './process-identity.js';
import type { JobHandle, LaunchedProcess, LineHandler, ProcessExit } from './types.js';

// util-linux's setpriv sets the parent-death signal and execs the command: a process is killed the moment the process
// that started it dies (even by SIGKILL), so no orphan trains on, writing checkpoints nobody records.
const setpriv = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p));

/** How {@link startOwned} starts a child. */
export interface OwnedSpawn {
  env: NodeJS.ProcessEnv;
  cwd?: string;
  label: string;
  /** 'pipe' gives the caller the child's stdin (the ssh launcher talks to its remote wrapper on it). */
  stdin: 'ignore' | 'pipe';
  stopGraceMs: number;
}

/** A started child that the starting process owns: see {@link startOwned}. */
export interface OwnedProcess extends LaunchedProcess {
  readonly child: ChildProcess;
}

/**
 * Starts a child of this process in its own process group (a terminal's Ctrl-C reaches only its owner, and stopping
 * it stops every process it started), killed by the kernel when this process dies (setpriv --pdeathsig where
 * util-linux has it; Node children also get an IPC channel, whose closing `tensorfleet worker` watches). Every line
 * it prints goes to `onLine`; `exited` resolves after the last one, once whatever the child left in its group is killed.
 *
 * @example
 * const p = startOwned(['node', '-e', 'console.log(1)'], { env: process.env, label: 'demo', stdin: 'ignore', stopGraceMs: 5000 }, (l) => console.log(l.text));
 */
export function startOwned(command: string[], o: OwnedSpawn, onLine: LineHandler): OwnedProcess {
  const argv = [...(setpriv ? [setpriv, '--pdeathsig', 'KILL', '--'] : []), ...command];
  const child = spawn(argv[0]!, argv.slice(1), { ...(o.cwd ? { cwd: o.cwd } : {}), env: o.env, detached: true, stdio: [o.stdin, 'pipe', 'pipe', 'ipc'] });
  // The channel is only a death notice: it must not keep this process alive, and nothing is sent on it.
  child.channel?.unref();
  const pid = child.pid ?? null;
  const handle: JobHandle = { pid, start: pid === null ? null : processStartTime(pid) };
  const lines = streamLines(child.stdout!, child.stderr!, o.label, onLine);
  let terminated = false;

  const exited = new Promise<ProcessExit>((resolve) => {
    let startError: string | undefined;
    child.on('error', (err) => (startError = `cannot start ${command[0]}: ${err.message}`));
    child.on('close', async (code, signal) => {
      await lines;
      if (pid !== null) signalGroup(pid, 'SIGKILL'); // whatever the process left behind in its group
      resolve({ code, signal, ...(startError ? { startError } : {}) });
    });
  });

  // The first stop sends SIGTERM; each stop arms its own SIGKILL deadline (a later, shorter one wins: stop(0) kills
  // now; stop(Infinity) never kills).
  const stop = async (graceMs = o.stopGraceMs): Promise<void> => {
    if (pid === null) return void (await exited);
    if (!terminated) signalGroup(pid, 'SIGTERM');
    terminated = true;
    const timer = after(graceMs, () => signalGroup(pid, 'SIGKILL'));
    await exited;
    clearTimeout(timer);
  };
  return { child, handle, exited, stop };
}

/**
 * Runs `fn` after `ms` (at once for ms <= 0, never for an infinite ms); returns the timer to clear, if any. Node's
 * setTimeout would fire an over-long delay (> 2^31 - 1 ms) after 1 ms instead.
 */
export function after(ms: number, fn: () => void): NodeJS.Timeout | undefined {
  if (ms <= 0) {
    fn();
    return undefined;
  }
  return Number.isFinite(ms) ? setTimeout(fn, Math.min(ms, 2 ** 31 - 1)) : undefined;
}

/** Kills what is left of an owned child's group, given its handle (see reapGroup). */
export function reapOwned(handle: JobHandle): void {
  const pid = typeof handle.pid === 'number' ? handle.pid : null;
  const start = typeof handle.start === 'string' ? handle.start : null;
  if (pid !== null) reapGroup(pid, start);
}
