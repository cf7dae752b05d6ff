/** One process to start: the tensorfleet command (or any argv) with its environment, on a node of the launcher. */
export interface LaunchSpec {
  argv: string[];
  /** Added to the launcher's base environment (secrets go here, never in argv: argv shows in `ps`). */
  env: Record<string, string>;
  cwd?: string;
  /** Names the process in its lines and errors, e.g. `worker 1` or `trial 3`. */
  label: string;
  /** GPU ids the process may see (CUDA_VISIBLE_DEVICES); an empty list hides every GPU, undefined leaves it as is. */
  gpus?: number[];
  /** The node to run on (a host's name for ssh); a launcher with one node ignores it. */
  node?: string;
}

/** How a launched process ended. */
export interface ProcessExit {
  code: number | null;
  signal: string | null;
  /** Set when the process could not be started at all. */
  startError?: string;
  /** Set when its node failed or could not be reached (ssh's own failure: refused, unreachable, connection lost). */
  nodeError?: string;
}

/** One line a process printed (without its newline); called in order, synchronously, as lines arrive. */
export type LineHandler = (line: { stream: 'stdout' | 'stderr'; text: string; label: string }) => void;

/** Enough to find a process again after the launcher's own process died (local: group leader pid + start time). */
export type JobHandle = Record<string, string | number | null>;

/** A started process. */
export interface LaunchedProcess {
  readonly handle: JobHandle;
  /** Resolves once the process has exited and every line it printed was handed to the LineHandler. */
  readonly exited: Promise<ProcessExit>;
  /** SIGTERM to the process and everything it started, SIGKILL after `graceMs` (default: the launcher's; Infinity: never; a later, shorter stop wins); resolves at exit. */
  stop(graceMs?: number): Promise<void>;
}

/** A machine a launcher starts processes on, with what it offers (a hostfile line). */
export interface LaunchNode {
  /** Names the node in LaunchSpec.node, logs and allocations (`host`, or `host:port` off port 22). */
  name: string;
  /** Processes it runs at once. */
  slots: number;
  /** Its GPU ids. */
  gpus: number[];
}

/**
 * Starts processes somewhere (this machine, an SSH host, ...), streams their output lines back, stops them with
 * everything they started, and dies with its owner: a process never outlives the launcher's process.
 *
 * @example
 * const launcher = createLauncher({ name: 'local', options: {} });
 * const p = launcher.start({ argv: tensorfleetCommand('worker', '--ps', url), env: { TENSORFLEET_TOKEN: token }, label: 'worker 0' },
 *   (line) => console.log(line.label, line.text));
 * console.log(await p.exited); // { code: 0, signal: null }
 */
export interface ProcessLauncher {
  readonly name: string;
  /** The machines processes go to; undefined: this machine alone (the local launcher). */
  readonly nodes?: readonly LaunchNode[];
  /** How processes on the nodes reach a server in this process: the address to listen on and the one to give them. */
  readonly serverAddress?: { listen: string; advertise: string };
  start(spec: LaunchSpec, onLine: LineHandler): LaunchedProcess;
  /** Ends whatever is left of a process started by a launcher whose process died (a no-op when it is gone). */
  reap(handle: JobHandle): void | Promise<void>;
}
