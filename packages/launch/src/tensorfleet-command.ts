import { fileURLToPath } from 'node:url';

/**
 * The built `tensorfleet` command of this install (packages/launch/dist/ -> apps/cli/dist/bin.js). The one place that
 * knows where the binary lives: the CLI's local workers, the coordinator's trials and the SSH launcher's remote
 * commands all start it through {@link tensorfleetCommand}. TENSORFLEET_BIN overrides it (an installed copy elsewhere).
 */
export function tensorfleetBin(env: NodeJS.ProcessEnv = process.env): string {
  return env.TENSORFLEET_BIN ?? fileURLToPath(new URL('../../../apps/cli/dist/bin.js', import.meta.url));
}

/** The repository root of this install, where a trial runs (its relative data paths resolve from there). */
export const installRoot = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * argv that runs `tensorfleet ARGS...` with this Node.
 *
 * @example
 * tensorfleetCommand('train', '--out', 'runs/a'); // ['/usr/bin/node', '/repo/apps/cli/dist/bin.js', 'train', '--out', 'runs/a']
 */
export function tensorfleetCommand(...args: string[]): string[] {
  return [process.execPath, tensorfleetBin(), ...args];
}
