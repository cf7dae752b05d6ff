// Virtual SSH hosts for end-to-end tests: infra/ssh/sshd-hosts.sh starts one real OpenSSH sshd per port on 127.0.0.1
// (own config, host key, authorized_keys; key login only). A test that needs them fails, never skips, when sshd
// cannot run here (CI installs openssh-server in .ci/run).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './net.js';

const script = fileURLToPath(new URL('../../../infra/ssh/sshd-hosts.sh', import.meta.url));

/** Pids of every live descendant of `pid` (zombies left out), from /proc/PID/task/TID/children. */
export function descendants(pid) {
  const out = [];
  const walk = (p) => {
    let children = [];
    try {
      for (const task of readdirSync(`/proc/${p}/task`)) {
        children.push(...readFileSync(`/proc/${p}/task/${task}/children`, 'utf8').split(/\s+/).filter(Boolean).map(Number));
      }
    } catch {
      return; // gone meanwhile
    }
    for (const child of children) {
      if (!isZombie(child)) out.push(child);
      walk(child);
    }
  };
  walk(pid);
  return out;
}

function isZombie(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] === 'Z';
  } catch {
    return true; // gone
  }
}

/**
 * Starts `count` sshd hosts. Returns their ports, the listener pids, a hostfile (`127.0.0.1:PORT slots=N`), the
 * client key and known_hosts for the launcher's options, `kill(port)` (the host goes away: its sshd and every process
 * it started, SIGKILLed), `processes()` (live processes the hosts' sshd started: sessions and what runs in them) and
 * `stop()` (everything, and the folder).
 */
export async function startSshHosts(count, { slots = 2 } = {}) {
  if (!existsSync('/usr/sbin/sshd')) throw new Error('/usr/sbin/sshd is missing: apt-get install openssh-server (the SSH launcher tests need real sshd)');
  const dir = mkdtempSync(join(tmpdir(), 'tf-sshd-'));
  const ports = [];
  for (let i = 0; i < count; i++) ports.push(await freePort());
  let pids;
  try {
    const out = execFileSync('bash', [script, 'start', dir, ...ports.map(String)], { encoding: 'utf8', timeout: 60_000 });
    pids = Object.fromEntries(out.trim().split('\n').map((l) => l.split(' ').map(Number)));
  } catch (err) {
    execFileSync('bash', [script, 'stop', dir], { timeout: 30_000 });
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`the sshd hosts did not start: ${err.message}`);
  }
  const hostLine = (port, n = slots) => `127.0.0.1:${port} slots=${n}`;
  return {
    dir,
    ports,
    pids,
    hostLine,
    hostfile: join(dir, 'hosts.txt'),
    identityFile: join(dir, 'client_ed25519'),
    knownHostsFile: join(dir, 'known_hosts'),
    /** The launcher options a config needs to reach these hosts (strict host key checking against the test's known_hosts). */
    sshOptions() {
      return { identityFile: join(dir, 'client_ed25519'), knownHostsFile: join(dir, 'known_hosts'), strictHostKeyChecking: 'yes', connectTimeout: 10 };
    },
    processes() {
      return Object.values(pids).flatMap((pid) => descendants(pid));
    },
    /** How many logins a host's sshd accepted so far (its log). */
    logins(port) {
      const log = join(dir, String(port), 'sshd.log');
      return existsSync(log) ? (readFileSync(log, 'utf8').match(/Accepted publickey/g) ?? []).length : 0;
    },
    kill(port) {
      execFileSync('bash', [script, 'stop', dir, String(port)], { timeout: 30_000 });
    },
    stop() {
      try {
        execFileSync('bash', [script, 'stop', dir], { timeout: 30_000 });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

