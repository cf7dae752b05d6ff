#!/usr/bin/env node
// A real Slurm cluster on this one machine, for tests and for trying the Slurm launcher without a cluster:
// its own munged (own key and socket), slurmctld, and one slurmd per virtual node n1..nN on 127.0.0.1, each node with
// 4 fake GPUs (GRES on character devices: Slurm refuses plain files), everything — config, state, spool, logs, pid
// files — under one folder. The system's /etc/slurm and /etc/munge are never read: every Slurm command finds this
// cluster through SLURM_CONF.
//
//   node infra/slurm/local-slurm.mjs start [DIR]   start (or find running) and wait until every node is idle;
//                                                  prints `export SLURM_CONF=DIR/etc/slurm.conf`
//   node infra/slurm/local-slurm.mjs stop [DIR]    cancel its jobs and kill every process of it
//   node infra/slurm/local-slurm.mjs status [DIR]  sinfo of it
//
// DIR defaults to $TMPDIR/tensorfleet-slurm. Needs root (slurmd runs jobs as their users) and Debian's slurmctld,
// slurmd, slurm-client and munge packages.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The shape of the local cluster: what the tests of the Slurm launchers assume. */
export const localSlurmShape = Object.freeze({ nodes: 3, gpusPerNode: 4, cpusPerNode: 4, partition: 'debug' });

const programs = ['munged', 'mungekey', 'slurmctld', 'slurmd', 'sinfo', 'sbatch', 'srun', 'scontrol', 'scancel'];

/** A program's path: from PATH, else /usr/sbin (where Debian puts the daemons, often not on a user's PATH). */
function which(name) {
  for (const dir of [...(process.env.PATH ?? '').split(':').filter(Boolean), '/usr/sbin', '/sbin']) {
    if (existsSync(join(dir, name))) return join(dir, name);
  }
  return null;
}

/** Why this machine cannot run the local cluster (not root, a package missing), or null when it can. */
export function localSlurmUnavailableReason() {
  if (process.getuid?.() !== 0) return 'the local Slurm needs root (slurmd starts jobs as their users)';
  const missing = programs.filter((p) => which(p) === null);
  if (missing.length) return `missing ${missing.join(', ')}: apt-get install slurmctld slurmd slurm-client munge`;
  return null;
}

/** The folders and files of a cluster in `dir`. */
function layout(dir) {
  const root = resolve(dir);
  return {
    root,
    etc: join(root, 'etc'),
    conf: join(root, 'etc', 'slurm.conf'),
    munge: join(root, 'munge'),
    mungeKey: join(root, 'munge', 'munge.key'),
    mungeSocket: join(root, 'munge', 'munge.socket'),
    mungePid: join(root, 'munge', 'munged.pid'),
    state: join(root, 'state'),
    spool: join(root, 'spool'),
    run: join(root, 'run'),
    log: join(root, 'log'),
    dev: join(root, 'dev'),
    ports: join(root, 'etc', 'ports.json'),
  };
}

const nodeNames = (n) => Array.from({ length: n }, (_, i) => `n${i + 1}`);

/** Free TCP ports on 127.0.0.1, asked of the kernel (each is closed again before Slurm binds it). */
async function freePorts(count) {
  const servers = await Promise.all(
    Array.from({ length: count }, () => new Promise((res, rej) => {
      const s = createServer();
      s.once('error', rej);
      s.listen(0, '127.0.0.1', () => res(s));
    })),
  );
  const ports = servers.map((s) => s.address().port);
  await Promise.all(servers.map((s) => new Promise((res) => s.close(res))));
  return ports;
}

function slurmConf(l, ports, shape) {
  const names = nodeNames(shape.nodes);
  return [
    '# Written by infra/slurm/local-slurm.mjs: a local cluster of virtual nodes on 127.0.0.1.',
    `ClusterName=tflocal${ports.controller}`,
    // slurmctld checks that it runs on the host named here; its address is loopback.
    `SlurmctldHost=${hostname()}(127.0.0.1)`,
    `SlurmctldPort=${ports.controller}`,
    'SlurmUser=root',
    'SlurmdUser=root',
    'AuthType=auth/munge',
    'CredType=cred/munge',
    // cred_expire is also how long a requeued job waits before it may start again (default 120 s).
    `AuthInfo=socket=${l.mungeSocket},cred_expire=15`,
    `StateSaveLocation=${l.state}`,
    `SlurmdSpoolDir=${l.spool}/%n`,
    `SlurmctldPidFile=${l.run}/slurmctld.pid`,
    `SlurmdPidFile=${l.run}/slurmd-%n.pid`,
    `SlurmctldLogFile=${l.log}/slurmctld.log`,
    `SlurmdLogFile=${l.log}/slurmd-%n.log`,
    `PlugStackConfig=${l.etc}/plugstack.conf`,
    // No cgroups: the virtual nodes share one kernel; processes are tracked by parentage.
    'ProctrackType=proctrack/linuxproc',
    'TaskPlugin=task/none',
    'MpiDefault=none',
    'SwitchType=switch/none',
    'SchedulerType=sched/backfill',
    // Backfill every second: a job starts ~1 s after a slot frees instead of ~20 s.
    'SchedulerParameters=bf_interval=1',
    'SelectType=select/cons_tres',
    'SelectTypeParameters=CR_CPU',
    'GresTypes=gpu',
    // A killed slurmd marks its node DOWN in ~30 s; it comes back by itself when it registers again.
    'SlurmdTimeout=10',
    'ReturnToService=2',
    // The nodes declare more CPUs than this machine has.
    'SlurmdParameters=config_overrides',
    // No slurmdbd: finished jobs are recorded in a text file (and stay in `scontrol show job` for MinJobAge s).
    'AccountingStorageType=accounting_storage/none',
    'JobAcctGatherType=jobacct_gather/none',
    'JobCompType=jobcomp/filetxt',
    `JobCompLoc=${l.log}/jobcomp.txt`,
    'MinJobAge=600',
    'InactiveLimit=0',
    'KillWait=30',
    ...names.map((n, i) => `NodeName=${n} NodeHostname=localhost NodeAddr=127.0.0.1 Port=${ports.nodes[i]} CPUs=${shape.cpusPerNode} RealMemory=2000 Gres=gpu:${shape.gpusPerNode} State=UNKNOWN`),
    `PartitionName=${shape.partition} Nodes=${names.join(',')} Default=YES MaxTime=INFINITE State=UP`,
    '',
  ].join('\n');
}

function gresConf(l, shape) {
  return `AutoDetect=off\nNodeName=${nodeNames(shape.nodes).join(',')} Name=gpu File=${l.dev}/fakegpu[0-${shape.gpusPerNode - 1}]\n`;
}

const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const readPid = (file) => {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
};

/** The pid files of every daemon of the cluster in `l`. */
function pidFiles(l, shape) {
  return [l.mungePid, join(l.run, 'slurmctld.pid'), ...nodeNames(shape.nodes).map((n) => join(l.run, `slurmd-${n}.pid`))];
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** `sinfo` of the cluster: node name → state (idle, alloc, down*, ...), or null when slurmctld does not answer. */
export function nodeStates(env) {
  const r = spawnSync('sinfo', ['-h', '-N', '-o', '%N %t'], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 10_000 });
  if (r.status !== 0) return null;
  return Object.fromEntries(r.stdout.trim().split('\n').filter(Boolean).map((line) => line.trim().split(/\s+/)));
}

function tail(file, lines = 15) {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Starts a daemon that forks into the background; throws with its output when it does not start. */
function daemon(command, args, env) {
  const r = spawnSync(which(command) ?? command, args, { env, encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} did not start (${r.error?.message ?? `exit ${r.status}`}): ${(r.stderr || r.stdout).trim()}`);
}

/**
 * Starts the local cluster in `dir` — or finds it already running there — and waits until `sinfo` shows every node
 * idle. Returns the environment that points Slurm's commands at it and a stop() that ends all of it.
 * @example
 * const slurm = await startSlurm({ dir: '/tmp/my-slurm' });
 * execFileSync('sbatch', ['--wrap', 'hostname'], { env: { ...process.env, ...slurm.env } });
 * await slurm.stop();
 */
export async function startSlurm({ dir = join(tmpdir(), 'tensorfleet-slurm'), timeoutMs = 60_000 } = {}) {
  const unavailable = localSlurmUnavailableReason();
  if (unavailable) throw new Error(`cannot start the local Slurm: ${unavailable}`);
  const shape = localSlurmShape;
  const l = layout(dir);
  const env = { SLURM_CONF: l.conf };
  const fullEnv = { ...process.env, ...env };
  const handle = { dir: l.root, env, conf: l.conf, nodes: nodeNames(shape.nodes), shape, stop: () => stopSlurm(l.root) };
  const running = pidFiles(l, shape).every((f) => alive(readPid(f) ?? -1));
  if (running && nodeStates(env)) {
    await waitIdle(l, env, shape, timeoutMs);
    return handle;
  }
  await stopSlurm(l.root); // whatever half of a cluster was left there
  // A fresh cluster (new ports, new ClusterName): no state, spool or pid file of an earlier one in this folder.
  for (const d of [l.state, l.spool, l.run]) rmSync(d, { recursive: true, force: true });
  for (const d of [l.etc, l.munge, l.state, l.spool, l.run, l.log, l.dev]) mkdirSync(d, { recursive: true });
  // munged insists on private folders for its key and socket.
  chmodSync(l.munge, 0o700);
  for (let i = 0; i < shape.gpusPerNode; i += 1) {
    const device = join(l.dev, `fakegpu${i}`);
    if (!existsSync(device)) execFileSync('mknod', [device, 'c', '1', '3']); // the null device's numbers
  }
  const [controller, ...nodes] = await freePorts(1 + shape.nodes);
  writeFileSync(l.ports, JSON.stringify({ controller, nodes }));
  writeFileSync(l.conf, slurmConf(l, { controller, nodes }, shape));
  writeFileSync(join(l.etc, 'gres.conf'), gresConf(l, shape));
  writeFileSync(join(l.etc, 'plugstack.conf'), '');
  if (!existsSync(l.mungeKey)) execFileSync(which('mungekey') ?? 'mungekey', ['--create', `--keyfile=${l.mungeKey}`]);
  chmodSync(l.mungeKey, 0o600);
  daemon('munged', ['--force', `--key-file=${l.mungeKey}`, `--socket=${l.mungeSocket}`, `--pid-file=${l.mungePid}`, `--log-file=${join(l.log, 'munged.log')}`, `--seed-file=${join(l.munge, 'munged.seed')}`], fullEnv);
  daemon('slurmctld', ['-c', '-f', l.conf], fullEnv); // -c: a clean start, no state of an earlier cluster in this folder
  for (const n of handle.nodes) {
    mkdirSync(join(l.spool, n), { recursive: true });
    daemon('slurmd', ['-N', n, '-f', l.conf], fullEnv);
  }
  await waitIdle(l, env, shape, timeoutMs);
  return handle;
}

async function waitIdle(l, env, shape, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let states = null;
  while (Date.now() < deadline) {
    states = nodeStates(env);
    if (states && nodeNames(shape.nodes).every((n) => states[n] === 'idle' || states[n] === 'mix' || states[n] === 'alloc')) return;
    await sleep(300);
  }
  throw new Error(
    `the local Slurm in ${l.root} did not become idle in ${timeoutMs / 1000} s (sinfo: ${JSON.stringify(states)})\n` +
      `--- slurmctld.log ---\n${tail(join(l.log, 'slurmctld.log'))}\n--- slurmd-n1.log ---\n${tail(join(l.log, 'slurmd-n1.log'))}`,
  );
}

/** Pids of processes whose environment points at this cluster's config: its job steps and their tasks. */
function clusterProcesses(conf) {
  const marker = `SLURM_CONF=${conf}\0`;
  const mine = new Set([process.pid, process.ppid]);
  const pids = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || mine.has(pid)) continue;
    try {
      if (readFileSync(`/proc/${pid}/environ`, 'latin1').includes(marker)) pids.push(pid);
    } catch {
      // gone, or not ours to read
    }
  }
  return pids;
}

/**
 * Stops the cluster in `dir`: cancels its jobs, then kills its daemons and every process started under it
 * (slurmstepd and job tasks carry its SLURM_CONF), and waits until they are gone. Safe to call when nothing runs.
 */
export async function stopSlurm(dir = join(tmpdir(), 'tensorfleet-slurm')) {
  const l = layout(dir);
  const shape = localSlurmShape;
  const env = { ...process.env, SLURM_CONF: l.conf };
  const daemonPids = pidFiles(l, shape).map(readPid).filter((p) => p !== null && alive(p));
  if (existsSync(l.conf) && daemonPids.length) spawnSync('scancel', ['--full', '--user', 'root'], { env, stdio: 'ignore', timeout: 10_000 });
  const targets = [...new Set([...daemonPids, ...(existsSync(l.conf) ? clusterProcesses(l.conf) : [])])];
  for (const pid of targets) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  const deadline = Date.now() + 10_000;
  while (targets.some(alive) && Date.now() < deadline) await sleep(100);
  for (const f of pidFiles(l, shape)) rmSync(f, { force: true });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [command = 'start', dir] = process.argv.slice(2);
  const actions = {
    start: async () => {
      const slurm = await startSlurm(dir ? { dir } : {});
      process.stdout.write(`export SLURM_CONF=${slurm.conf}\n`);
    },
    stop: () => stopSlurm(dir),
    status: () => {
      const conf = layout(dir ?? join(tmpdir(), 'tensorfleet-slurm')).conf;
      process.stdout.write(`${JSON.stringify(nodeStates({ SLURM_CONF: conf }))}\n`);
    },
  };
  const action = actions[command];
  if (!action) {
    process.stderr.write('usage: local-slurm.mjs start|stop|status [DIR]\n');
    process.exit(2);
  }
  Promise.resolve().then(action).catch((err) => {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  });
}
