/**
 * @tensorfleet/launch: where tensorfleet's processes run. A ProcessLauncher starts a process (this machine's child, a
 * command on an SSH host), streams its lines, stops it with everything it started, and dies with its owner; the
 * registry maps protocol's launcher names to implementations; tensorfleetCommand() is how any of them runs the CLI.
 */
export type { LaunchSpec, ProcessExit, LineHandler, JobHandle, LaunchedProcess, ProcessLauncher } from './types.js';
export { LocalProcessLauncher, type LocalLauncherOptions } from './local.js';
export { launcherRegistry, createLauncher, type LauncherEntry, type LauncherContext } from './registry.js';
export { tensorfleetCommand, tensorfleetBin, installRoot } from './tensorfleet-command.js';
export { processStartTime, isSameProcess, reapGroup, signalGroup } from './process-identity.js';
export { streamLines } from './line-stream.js';
