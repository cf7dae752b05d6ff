import { launcherOptionSchemas, type LauncherChoice, type LauncherName, type LauncherOptions } from '@tensorfleet/protocol';
import { LocalProcessLauncher } from './local.js';
import { SshProcessLauncher } from './ssh/ssh-launcher.js';
import type { ProcessLauncher } from './types.js';

/** What every launcher besides its own options is created with. */
export interface LauncherContext {
  /** The environment processes start from (default: this process's). */
  baseEnv?: NodeJS.ProcessEnv;
  /** SIGTERM-to-SIGKILL grace of a stop (default 5 s). */
  stopGraceMs?: number;
  /** Relative paths in the options (a hostfile) resolve from here (the config file's folder). */
  baseDir?: string;
}

/** A launcher implementation: its options schema (protocol's launchers.ts) and how to create one. */
export interface LauncherEntry<N extends LauncherName> {
  options: (typeof launcherOptionSchemas)[N];
  create(options: LauncherOptions<N>, context: LauncherContext): ProcessLauncher;
}

/**
 * Every launcher by name. Keyed by protocol's LauncherName, so a launcher schema without an implementation here (or
 * the reverse) does not compile.
 */
export const launcherRegistry: { [N in LauncherName]: LauncherEntry<N> } = {
  local: { options: launcherOptionSchemas.local, create: (_options, context) => new LocalProcessLauncher(context) },
  ssh: { options: launcherOptionSchemas.ssh, create: (options, context) => new SshProcessLauncher({ options, ...context }) },
};

/**
 * The launcher a parsed `launcher` choice names.
 *
 * @example
 * const launcher = createLauncher(launcherChoiceSchema.parse('local'));
 */
export function createLauncher(choice: LauncherChoice, context: LauncherContext = {}): ProcessLauncher {
  const entry = launcherRegistry[choice.name] as LauncherEntry<LauncherName>;
  return entry.create(choice.options, context);
}
