// `npm run bench -- launch [--workers N] [--rounds R] [--json]`: start-up latency of each process launcher, side by
// side — the time from start() until every one of N processes printed its first line, for a bare `node -e` (the
// launcher's own cost) and for `tensorfleet worker` (its first log line: backend chosen, before it connects).
// local = child processes; ssh = one process per real sshd host on 127.0.0.1 (infra/ssh/sshd-hosts.sh), so the ssh
// row is the launcher's overhead (handshake, key login, remote wrapper) without network latency. Median of R rounds.
import { randomBytes } from 'node:crypto';
import { LocalProcessLauncher, SshProcessLauncher, tensorfleetCommand } from '@tensorfleet/launch';
import { startSshHosts } from '../e2e/helpers/sshd.js';

function arg(args, name, fallback) {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** One round: N processes started at once; ms until each printed its first line, then all stopped. */
async function round(launcher, argv, nodes, env) {
  const t0 = performance.now();
  const firsts = nodes.map((node, i) => {
    let first;
    const done = new Promise((resolve) => (first = resolve));
    const p = launcher.start({ argv, env, label: `w${i}`, ...(node ? { node } : {}) }, () => first(performance.now() - t0));
    p.exited.then((exit) => first(Number.NaN, exit)); // ended without a line: the round fails below
    return { p, done };
  });
  const times = await Promise.all(firsts.map((f) => Promise.race([f.done, new Promise((r) => setTimeout(() => r(Number.NaN), 60_000))])));
  await Promise.all(firsts.map((f) => f.p.stop(2000)));
  if (times.some((t) => Number.isNaN(t))) throw new Error(`a process printed nothing: ${argv.join(' ').slice(0, 120)}`);
  return Math.max(...times);
}

export async function run(args) {
  const workers = arg(args, '--workers', 3);
  const rounds = arg(args, '--rounds', 3);
  const hosts = await startSshHosts(workers, { slots: 1 });
  try {
    const local = new LocalProcessLauncher();
    const ssh = new SshProcessLauncher({ options: { hosts: hosts.hostfile, ...hosts.sshOptions() } });
    const env = { TENSORFLEET_TOKEN: randomBytes(24).toString('hex') };
    const commands = {
      'node -e (first line)': [process.execPath, '-e', 'console.log("up"); setInterval(() => {}, 1000)'],
      'tensorfleet worker (first log line)': tensorfleetCommand('worker', '--ps', 'ws://127.0.0.1:9', '--json'),
    };
    const results = {};
    for (const [what, argv] of Object.entries(commands)) {
      const measured = { local: [], ssh: [] };
      for (let r = 0; r < rounds; r++) {
        measured.local.push(await round(local, argv, Array(workers).fill(undefined), env));
        measured.ssh.push(await round(ssh, argv, ssh.nodes.map((n) => n.name), env));
      }
      results[what] = { local: median(measured.local), ssh: median(measured.ssh), rounds: measured };
    }
    if (args.includes('--json')) {
      console.log(JSON.stringify({ workers, rounds, results }));
      return;
    }
    console.log(`launch bench: ms until each of ${workers} processes printed its first line (median of ${rounds} rounds); ssh = ${workers} sshd hosts on 127.0.0.1`);
    const widths = [38, 12, 12, 10];
    const fmt = (cells) => cells.map((c, i) => String(c).padEnd(widths[i])).join(' ');
    console.log(fmt(['', 'local', 'ssh', 'ssh/local']));
    for (const [what, r] of Object.entries(results)) console.log(fmt([what, r.local.toFixed(0), r.ssh.toFixed(0), (r.ssh / r.local).toFixed(2)]));
  } finally {
    hosts.stop();
  }
}
