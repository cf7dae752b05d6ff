import { hostname } from 'node:os';
import { basename } from 'node:path';
import type { LauncherOptions, SshHost } from '@tensorfleet/protocol';
import { after, reapOwned, startOwned } from '../owned-process.js';
import { installRoot, tensorfleetCommand } from '../tensorfleet-command.js';
import type { JobHandle, LaunchedProcess, LaunchNode, LaunchSpec, LineHandler, ProcessExit, ProcessLauncher } from '../types.js';
import { hostName, loadHosts } from './hostfile.js';
import { remoteWrapperSource } from './remote-wrapper.js';

/** ssh's exit status for its own errors (cannot connect, key refused, connection lost); anything else is the remote's. */
const sshFailed = 255;

/** Quotes one word for the remote user's POSIX shell. */
export const shellQuote = (word: string): string => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`);

/** What an ssh launcher is made from: its options, hosts resolved from a file when named by path. */
export interface SshLauncherSetup {
  options: LauncherOptions<'ssh'>;
  /** Where a relative hostfile path resolves from. */
  baseDir?: string;
  baseEnv?: NodeJS.ProcessEnv;
  stopGraceMs?: number;
}

/**
 * Runs each process on an SSH host through the system `ssh` (BatchMode: keys or agent only, never a prompt). The
 * remote side is a small Node wrapper (remote-wrapper.ts) that starts the command in its own process group, reads the
 * secret environment from stdin, and kills the group on stop or when the session ends — so a process never outlives
 * the ssh client, which itself dies with its owner (startOwned). CUDA_VISIBLE_DEVICES is set inline in the remote
 * command line, each host's GPU ids taken from the hostfile. Lines come back labelled `host rank`.
 *
 * @example
 * const ssh = new SshProcessLauncher({ options: { hosts: 'hosts.txt', strictHostKeyChecking: 'yes', connectTimeout: 10 } });
 * const p = ssh.start({ argv: tensorfleetCommand('worker', '--ps', url), env: { TENSORFLEET_TOKEN: token }, label: '0', node: ssh.hosts[0].name }, onLine);
 */
export class SshProcessLauncher implements ProcessLauncher {
  readonly name = 'ssh';
  /** The hosts, in hostfile order, each with its node name (`host` or `host:port`). */
  readonly hosts: (SshHost & { name: string })[];
  readonly nodes: readonly LaunchNode[];
  readonly serverAddress: { listen: string; advertise: string };
  private readonly options: LauncherOptions<'ssh'>;
  private readonly baseEnv: NodeJS.ProcessEnv;
  private readonly stopGraceMs: number;

  constructor(setup: SshLauncherSetup) {
    this.options = setup.options;
    this.hosts = loadHosts(setup.options.hosts, setup.baseDir).map((h) => ({ ...h, name: hostName(h) }));
    this.baseEnv = setup.baseEnv ?? process.env;
    this.stopGraceMs = setup.stopGraceMs ?? 5000;
    this.nodes = this.hosts.map((h) => ({ name: h.name, slots: h.slots, gpus: h.gpus }));
    // Hosts that are all this machine (virtual hosts, tests) reach a server on the loopback; others need it on every interface.
    const local = this.hosts.every((h) => /^(127\.\d+\.\d+\.\d+|localhost|::1)$/.test(h.host));
    this.serverAddress = { listen: local ? '127.0.0.1' : '0.0.0.0', advertise: setup.options.advertise ?? (local ? '127.0.0.1' : hostname()) };
  }

  /** The host a spec's node names (the first host when it names none). */
  host(node: string | undefined): SshHost & { name: string } {
    if (node === undefined) return this.hosts[0]!;
    const host = this.hosts.find((h) => h.name === node);
    if (!host) throw new Error(`ssh launcher: no host named ${node} (hosts: ${this.hosts.map((h) => h.name).join(', ')})`);
    return host;
  }

  /** The ssh client's argv for a host, up to and including the destination. */
  sshArgv(host: SshHost): string[] {
    const o = this.options;
    const user = host.user ?? o.user;
    return [
      'ssh', '-T', '-p', String(host.port),
      '-o', 'BatchMode=yes', '-o', `ConnectTimeout=${o.connectTimeout}`, '-o', `StrictHostKeyChecking=${o.strictHostKeyChecking}`,
      // A host that vanishes without closing the connection is noticed within 3 × 5 s.
      '-o', 'ServerAliveInterval=5', '-o', 'ServerAliveCountMax=3',
      ...(o.knownHostsFile ? ['-o', `UserKnownHostsFile=${o.knownHostsFile}`] : []),
      ...(o.identityFile ? ['-i', o.identityFile, '-o', 'IdentitiesOnly=yes'] : []),
      ...(user ? ['-l', user] : []),
      host.host,
    ];
  }

  /** The remote command line: cd, the inline CUDA_VISIBLE_DEVICES, the wrapper, the command (the tensorfleet prefix swapped for `command`). */
  remoteCommand(spec: LaunchSpec): string {
    const local = tensorfleetCommand();
    const isTensorfleet = local.every((word, i) => spec.argv[i] === word);
    const argv = isTensorfleet && this.options.command ? [...this.options.command, ...spec.argv.slice(local.length)] : spec.argv;
    const node = /^node(\d+)?$/.test(basename(argv[0]!)) ? argv[0]! : 'node';
    const gpus = spec.gpus ? [`CUDA_VISIBLE_DEVICES=${spec.gpus.join(',')}`] : [];
    const cwd = spec.cwd ?? this.options.cwd ?? installRoot;
    return `cd ${shellQuote(cwd)} && exec env ${[...gpus, node, '-e', remoteWrapperSource, ...argv].map(shellQuote).join(' ')}`;
  }

  start(spec: LaunchSpec, onLine: LineHandler): LaunchedProcess {
    const host = this.host(spec.node);
    const label = `${host.name} ${spec.label}`;
    const stderrTail: string[] = [];
    const ssh = startOwned(
      [...this.sshArgv(host), this.remoteCommand(spec)],
      { env: this.baseEnv, label, stdin: 'pipe', stopGraceMs: this.stopGraceMs },
      (line) => {
        if (line.stream === 'stderr') {
          stderrTail.push(line.text);
          if (stderrTail.length > 5) stderrTail.shift();
        }
        onLine(line);
      },
    );
    const stdin = ssh.child.stdin!;
    stdin.on('error', () => {}); // the session may be gone already: its exit says why
    stdin.write(`${JSON.stringify({ env: spec.env, graceMs: this.stopGraceMs })}\n`);
    const exited = ssh.exited.then((exit): ProcessExit => {
      if (exit.code !== sshFailed || exit.startError) return exit;
      const why = stderrTail.at(-1) ?? 'ssh exited 255 (the connection failed or was lost)';
      return { ...exit, nodeError: `${host.name}: ${why.replace(/^ssh: /, '')}` };
    });
    // Stop = TERM to the remote group, KILL after the grace (the wrapper also kills on EOF); the local ssh client is
    // killed only if the session still has not ended a connect timeout later.
    const stop = async (graceMs = this.stopGraceMs): Promise<void> => {
      const send = (line: string) => stdin.writable && stdin.write(`${line}\n`);
      send('TERM');
      const kill = after(graceMs, () => {
        send('KILL');
        stdin.end();
      });
      const giveUp = after(graceMs + this.options.connectTimeout * 1000, () => void ssh.stop(0));
      await exited;
      clearTimeout(kill);
      clearTimeout(giveUp);
    };
    return { handle: { ...ssh.handle, node: host.name }, exited, stop };
  }

  /** The ssh client of a dead owner died with it (pdeathsig), and its remote wrapper with the session; this kills any client left. */
  reap(handle: JobHandle): void {
    reapOwned(handle);
  }
}
