import { readFileSync } from 'node:fs';

/**
 * A process's start time in clock ticks since boot (field 22 of /proc/PID/stat), or null when unknown. With the pid it
 * identifies a process for good: a recycled pid has another start time.
 */
export function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? null;
  } catch {
    return null;
  }
}

/** True when the process with this pid is the one that started at `startTime` and has not exited (zombies count as exited). */
export function isSameProcess(pid: number, startTime: string | null): boolean {
  if (startTime === null) return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[0] !== 'Z' && fields[19] === startTime;
  } catch {
    return false;
  }
}

/**
 * Kills what is left of a job's process group after the coordinator that started it died. The group is killed when its
 * leader is still the same process, or when the leader is gone (Linux does not hand out a pid that is still in use as a
 * process group id, so members of group `pid` are the job's); never when `pid` now belongs to another process.
 */
export function reapGroup(pid: number, startTime: string | null): boolean {
  const current = processStartTime(pid);
  if (current !== null && current !== startTime) return false;
  return signalGroup(pid, 'SIGKILL');
}

/** Sends a signal to a whole process group, ignoring a group that is already gone. */
export function signalGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}
