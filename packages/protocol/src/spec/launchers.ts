import { resolve } from 'node:path';
import { z } from 'zod';
import { namedChoiceSchema, type NamedChoice } from './named-choice.js';

/** One SSH host: the hostfile line `host[:port] slots=N gpus=0,1` (Horovod/DeepSpeed convention) as an object. */
export const sshHostSchema = z
  .object({
    host: z.string().min(1).describe('host name or address ssh connects to'),
    port: z.number().int().min(1).max(65535).default(22).describe('sshd port'),
    slots: z.number().int().min(1).default(1).describe('processes (workers, trials) the host runs at once'),
    gpus: z.array(z.number().int().min(0)).default([]).describe('GPU ids on the host, handed out one set per worker as CUDA_VISIBLE_DEVICES'),
    user: z.string().min(1).optional().describe("login user (default: the launcher's user, else ssh's own default)"),
  })
  .strict();
export type SshHost = z.output<typeof sshHostSchema>;

/**
 * The options of every launcher, by name: the one definition the train config's and the study spec's `launcher`
 * field, the CLI's `--launcher` flag, the docs and `@tensorfleet/launch`'s registry derive from.
 */
export const launcherOptionSchemas = {
  local: z.object({}).strict().describe('child processes on this machine (the default)'),
  ssh: z
    .object({
      hosts: z
        .union([z.string().min(1), z.array(sshHostSchema).min(1, 'list at least one host')])
        .describe('a hostfile (`host[:port] slots=N gpus=0,1,...` per line, # comments) or a list of {host, port, slots, gpus, user}'),
      user: z.string().min(1).optional().describe('login user for hosts that name none'),
      identityFile: z.string().min(1).optional().describe('private key file (ssh -i); default: ssh\'s own keys and agent'),
      knownHostsFile: z.string().min(1).optional().describe('known_hosts file the host keys are checked against (default: ~/.ssh/known_hosts)'),
      strictHostKeyChecking: z.enum(['yes', 'accept-new', 'no']).default('yes').describe('ssh StrictHostKeyChecking: yes refuses unknown host keys'),
      connectTimeout: z.number().int().min(1).default(10).describe('seconds ssh waits for a host to answer'),
      command: z
        .array(z.string().min(1))
        .min(1)
        .optional()
        .describe("how a host runs tensorfleet (argv); default: this install's node and tensorfleet path, which every host must have (as mpirun assumes)"),
      cwd: z.string().min(1).optional().describe("folder the remote processes start in; default: this install's root"),
      advertise: z
        .string()
        .min(1)
        .optional()
        .describe('address the hosts reach the parameter server at (default: 127.0.0.1 when every host is local, else this machine\'s hostname)'),
    })
    .strict()
    .describe('processes on SSH hosts (the system ssh, BatchMode: keys only, never a password prompt)'),
} as const;

export type LauncherName = keyof typeof launcherOptionSchemas;
export const launcherNames = Object.keys(launcherOptionSchemas) as LauncherName[];
export type LauncherOptions<N extends LauncherName = LauncherName> = z.output<(typeof launcherOptionSchemas)[N]>;

/** A parsed launcher choice: its name and its options with defaults filled in. */
export type LauncherChoice = NamedChoice<typeof launcherOptionSchemas>;

/**
 * `launcher: local` or `launcher: {ssh: {hosts: hosts.txt}}`: where the processes of a run (or a study's trials)
 * start. Parses to `{name, options}`.
 *
 * @example
 * launcherChoiceSchema.parse('local'); // { name: 'local', options: {} }
 * launcherChoiceSchema.parse({ ssh: { hosts: 'hosts.txt' } }).options; // { hosts: 'hosts.txt', strictHostKeyChecking: 'yes', connectTimeout: 10 }
 */
export const launcherChoiceSchema = namedChoiceSchema(launcherOptionSchemas);

/** Option fields that name files, made absolute against the config file's folder (so every process means the same file). */
const pathFields = ['hosts', 'identityFile', 'knownHostsFile'] as const;

/**
 * A launcher choice, raw (`{ssh: {hosts: 'hosts.txt'}}`) or parsed (`{name, options}`), with the files its options
 * name made absolute against `baseDir`. Anything else is returned as it is, for the schema to judge.
 *
 * @example
 * absoluteLauncherPaths({ ssh: { hosts: 'hosts.txt' } }, '/jobs'); // { ssh: { hosts: '/jobs/hosts.txt' } }
 */
export function absoluteLauncherPaths(choice: unknown, baseDir: string): unknown {
  const absolute = (options: unknown) => {
    if (typeof options !== 'object' || options === null || Array.isArray(options)) return options;
    const out = { ...(options as Record<string, unknown>) };
    for (const field of pathFields) if (typeof out[field] === 'string') out[field] = resolve(baseDir, out[field] as string);
    return out;
  };
  if (typeof choice !== 'object' || choice === null || Array.isArray(choice)) return choice;
  const c = choice as Record<string, unknown>;
  if (typeof c.name === 'string' && 'options' in c) return { ...c, options: absolute(c.options) };
  return Object.fromEntries(Object.entries(c).map(([name, options]) => [name, absolute(options)]));
}
