/**
 * @tensorfleet/launch: where tensorfleet's processes run. A ProcessLauncher starts a process (this machine's child, a
 * command on an SSH host), streams its lines, stops it with everything it started, and dies with its owner; the
 * registry maps protocol's launcher names to implementations; tensorfleetCommand() is how any of them runs the CLI.
 */
export type { LaunchSpec, LaunchNode, ProcessExit, LineHandler, JobHandle, LaunchedProcess, ProcessLauncher } from './types.js';
export { LocalProcessLauncher, type LocalLauncherOptions } from './local.js';
export { SshProcessLauncher, shellQuote, type SshLauncherSetup } from './ssh/ssh-launcher.js';
export { parseHostfile, loadHosts, hostName } from './ssh/hostfile.js';
export { placeWorkers, type WorkerPlacement } from './placement.js';
export { startOwned, reapOwned, type OwnedProcess, type OwnedSpawn } from './owned-process.js';
export { launcherRegistry, createLauncher, type LauncherEntry, type LauncherContext } from './registry.js';
export { tensorfleetCommand, tensorfleetBin, installRoot } from './tensorfleet-command.js';
export { processStartTime, isSameProcess, reapGroup, signalGroup } from './process-identity.js';
export { streamLines } from './line-stream.js';
