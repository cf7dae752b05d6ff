import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { streamLines } from './line-stream.js';
import { processStartTime, reapGroup, signalGroup } from './process-identity.js';
import type { JobHandle, LaunchedProcess, LaunchSpec, LineHandler, ProcessExit, ProcessLauncher } from './types.js';

// util-linux's setpriv sets the parent-death signal and execs the command: a process is killed the moment the process
// that started it dies (even by SIGKILL), so no orphan trains on, writing checkpoints nobody records.
const setpriv = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p));

/** Options of the `local` launcher. */
export interface LocalLauncherOptions {
  /** The environment every process starts from (default: this process's). */
  baseEnv?: NodeJS.ProcessEnv;
  /** How long a stopped process gets between SIGTERM and SIGKILL (default 5 s). */
  stopGraceMs?: number;
}

/**
 * Runs each process as a child of this one, in its own process group (a terminal's Ctrl-C reaches only its owner,
 * and stopping it stops every process it started), killed by the kernel when this process dies (setpriv --pdeathsig
 * where util-linux has it; Node children also get an IPC channel, whose closing `tensorfleet worker` watches).
 *
 * @example
 * const p = new LocalProcessLauncher().start({ argv: ['node', '-e', 'console.log(1)'], env: {}, label: 'demo' }, (l) => console.log(l.text));
 * await p.exited; // { code: 0, signal: null }
 */
export class LocalProcessLauncher implements ProcessLauncher {
  readonly name = 'local';
  private readonly baseEnv: NodeJS.ProcessEnv;
  private readonly stopGraceMs: number;

  constructor(options: LocalLauncherOptions = {}) {
    this.baseEnv = options.baseEnv ?? process.env;
    this.stopGraceMs = options.stopGraceMs ?? 5000;
  }

  start(spec: LaunchSpec, onLine: LineHandler): LaunchedProcess {
    const argv = [...(setpriv ? [setpriv, '--pdeathsig', 'KILL', '--'] : []), ...spec.argv];
    const env = { ...this.baseEnv, ...spec.env, ...(spec.gpus ? { CUDA_VISIBLE_DEVICES: spec.gpus.join(',') } : {}) };
    const child = spawn(argv[0]!, argv.slice(1), {
      ...(spec.cwd ? { cwd: spec.cwd } : {}), env, detached: true, stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    // The channel is only a death notice: it must not keep this process alive, and nothing is sent on it.
    child.channel?.unref();
    const pid = child.pid ?? null;
    const handle: JobHandle = { pid, start: pid === null ? null : processStartTime(pid) };
    const lines = streamLines(child.stdout!, child.stderr!, spec.label, onLine);
    let terminated = false;

    const exited = new Promise<ProcessExit>((resolve) => {
      let startError: string | undefined;
      child.on('error', (err) => (startError = `cannot start ${spec.argv[0]}: ${err.message}`));
      child.on('close', async (code, signal) => {
        await lines;
        if (pid !== null) signalGroup(pid, 'SIGKILL'); // whatever the process left behind in its group
        resolve({ code, signal, ...(startError ? { startError } : {}) });
      });
    });

    // The first stop sends SIGTERM; each stop arms its own SIGKILL deadline (a later, shorter one wins: stop(0) kills now).
    const stop = async (graceMs = this.stopGraceMs): Promise<void> => {
      if (pid === null) return void (await exited);
      if (!terminated) signalGroup(pid, 'SIGTERM');
      terminated = true;
      const timer = graceMs <= 0 ? signalGroup(pid, 'SIGKILL') : setTimeout(() => signalGroup(pid, 'SIGKILL'), graceMs);
      await exited;
      if (typeof timer !== 'boolean') clearTimeout(timer);
    };
    return { handle, exited, stop };
  }

  reap(handle: JobHandle): void {
    const pid = typeof handle.pid === 'number' ? handle.pid : null;
    const start = typeof handle.start === 'string' ? handle.start : null;
    if (pid !== null) reapGroup(pid, start);
  }
}
