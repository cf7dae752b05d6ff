import { readFileSync } from 'node:fs';
import { Option } from 'commander';
import type { Logger } from 'pino';
import { tokenProblem } from '@tensorfleet/protocol';
import { ConfigError } from '@tensorfleet/protocol';

/** The token flags of every command that serves or joins a job (ps, ps-shard, worker). */
export function tokenOptions(): Option[] {
  return [
    new Option('--token <secret>', 'shared secret; prefer $TENSORFLEET_TOKEN (a command line is visible to every local user)'),
    new Option('--allow-weak-token', 'accept a token estimated below 128 bits of entropy (make a strong one with `tensorfleet token`)'),
  ];
}

/**
 * The shared secret from --token or $TENSORFLEET_TOKEN, checked for strength; logs one line naming the problem (never
 * the token) and returns null when there is none or it is too weak (exit 2).
 * @example
 * const token = resolveToken(flags, log); if (!token) { process.exitCode = 2; return; }
 */
export function resolveToken(flags: { token?: unknown; allowWeakToken?: unknown }, log: Logger): string | null {
  const token = typeof flags.token === 'string' ? flags.token : process.env.TENSORFLEET_TOKEN;
  if (!token) {
    log.error('no token: set TENSORFLEET_TOKEN (or pass --token) to the same secret on every process of the job; make one with `tensorfleet token`');
    return null;
  }
  const problem = tokenProblem(token, { allowWeak: flags.allowWeakToken === true });
  if (problem) {
    log.error(`--token / TENSORFLEET_TOKEN: ${problem}`);
    return null;
  }
  return token;
}

/** Reads a PEM file named by a flag; a missing or unreadable file is a usage error (exit 2) naming the flag and path. */
export function readPem(flag: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new ConfigError(`${flag} ${path}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}
