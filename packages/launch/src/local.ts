import { reapOwned, startOwned } from './owned-process.js';
import type { JobHandle, LaunchedProcess, LaunchSpec, LineHandler, ProcessLauncher } from './types.js';

/** Options of the `local` launcher. */
export interface LocalLauncherOptions {
  /** The environment every process starts from (default: this process's). */
  baseEnv?: NodeJS.ProcessEnv;
  /** How long a stopped process gets between SIGTERM and SIGKILL (default 5 s). */
  stopGraceMs?: number;
}

/**
 * Runs each process as a child of this one, in its own process group, killed when this process dies (startOwned).
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
    const env = { ...this.baseEnv, ...spec.env, ...(spec.gpus ? { CUDA_VISIBLE_DEVICES: spec.gpus.join(',') } : {}) };
    const { handle, exited, stop } = startOwned(spec.argv, { env, ...(spec.cwd ? { cwd: spec.cwd } : {}), label: spec.label, stdin: 'ignore', stopGraceMs: this.stopGraceMs }, onLine);
    return { handle, exited, stop };
  }

  reap(handle: JobHandle): void {
    reapOwned(handle);
  }
}
