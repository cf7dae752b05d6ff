// `npm run bench -- launch [--workers N] [--rounds R] [--trials T] [--epochs E] [--epoch-ms MS] [--gpus G]
// [--poll-seconds S] [--seed S] [--json]`: each process launcher side by side, in two parts.
// 1. Start-up latency: the time from start until every one of N processes printed its first line, for a bare `node -e`
//    (the launcher's own cost) and for `tensorfleet worker` (its first log line: backend chosen, before it connects).
//    local = child processes; ssh = one process per real sshd host on 127.0.0.1 (infra/ssh/sshd-hosts.sh), so the ssh
//    row is the launcher's overhead (handshake, key login, remote wrapper) without network latency; slurm = one batch
//    job per process on the local Slurm (infra/slurm: slurmctld + 3 slurmd virtual nodes) through the coordinator's
//    SlurmLauncher, from sbatch until the launcher read the line from the job's --output file. Median of R rounds.
// 2. Throughput of a simulated HPO study (lib/simulated-study.js, FIFO), run by `tensorfleet hpo run` once with the
//    local launcher and once with `launcher: slurm` on the same 3 nodes x 4 GPUs: wall time and trials/hour.
// Needs root and Debian's Slurm packages (the local Slurm), and openssh-server (the ssh hosts); .ci/run installs them.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalProcessLauncher, SshProcessLauncher, tensorfleetCommand } from '@tensorfleet/launch';
import { slurmTrialOptionsSchema } from '@tensorfleet/protocol';
import { startSshHosts } from '../e2e/helpers/sshd.js';
import { localSlurmShape, startSlurm } from '../e2e/helpers/slurm.js';
import { runLauncherStudy } from './lib/launcher-study.js';
import { slurmProcesses } from './lib/slurm-processes.js';

function arg(args, name, fallback) {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const value = Number(args[i + 1]);
  if (!(value > 0)) throw new Error(`launch bench: ${name} needs a positive number, got ${JSON.stringify(args[i + 1])}`);
  return value;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** A starter of `argv` through a ProcessLauncher (the n-th process on nodes[n], when the launcher has nodes). */
function launcherProcesses(launcher, argv, env, nodes = []) {
  let started = 0;
  return (onFirstLine) => {
    const n = started++;
    const node = nodes.length ? { node: nodes[n % nodes.length] } : {};
    const p = launcher.start({ argv, env, label: `w${n}`, ...node }, () => onFirstLine());
    return { exited: p.exited, stop: () => p.stop(2000) };
  };
}

/**
 * One round: `count` processes started at once by `start(onFirstLine) → { exited, stop }`; ms until the last of them
 * printed its first line, then all stopped (also when one fails or `timeoutMs` passes).
 */
async function round(start, count, what, timeoutMs) {
  const t0 = performance.now();
  const ends = [];
  const started = Array.from({ length: count }, () => {
    let first;
    const done = new Promise((resolve) => (first = resolve));
    const p = start(() => first(performance.now() - t0));
    // Ended without a line: the round fails below, saying how it ended.
    p.exited.then((exit) => {
      ends.push(exit);
      first(Number.NaN);
    });
    return { p, done };
  });
  let timer;
  const timeout = new Promise((resolve) => (timer = setTimeout(() => resolve(Number.NaN), timeoutMs)));
  let times;
  try {
    times = await Promise.all(started.map((s) => Promise.race([s.done, timeout])));
  } finally {
    clearTimeout(timer);
    await Promise.all(started.map((s) => s.p.stop()));
  }
  if (times.some((t) => Number.isNaN(t))) {
    const how = ends.map(({ code, signal, startError, cause, stderrTail }) => JSON.stringify({ code, signal, startError, cause, stderrTail: stderrTail?.slice(-300) }));
    throw new Error(`launch bench: a process printed nothing within ${timeoutMs / 1000} s (${what}); exits: ${how.join(', ') || 'none'}`);
  }
  return Math.max(...times);
}

/** The local Slurm, or an error saying what this machine lacks (root, which apt packages). */
async function startCluster() {
  try {
    return await startSlurm();
  } catch (err) {
    throw new Error(`launch bench: its slurm column and study need the local Slurm (.ci/run sets this machine up): ${err.message}`);
  }
}

/** Part 1: ms until every one of N processes printed its first line, per command and launcher (median of the rounds). */
async function startupLatency(o, { dir, cluster, hosts }) {
  const local = new LocalProcessLauncher();
  const ssh = new SshProcessLauncher({ options: { hosts: hosts.hostfile, ...hosts.sshOptions() } });
  const env = { TENSORFLEET_TOKEN: randomBytes(24).toString('hex') };
  // The jobs inherit sbatch's environment (the token too: it stays out of the batch script and any command line).
  const slurmEnv = { ...process.env, ...cluster.env, ...env };
  const commands = {
    node: ['node -e (first line)', [process.execPath, '-e', 'console.log("up"); setInterval(() => {}, 1000)']],
    worker: ['tensorfleet worker (first log line)', tensorfleetCommand('worker', '--ps', 'ws://127.0.0.1:9', '--json')],
  };
  const startup = {};
  for (const [key, [what, argv]] of Object.entries(commands)) {
    const starters = {
      local: launcherProcesses(local, argv, env),
      ssh: launcherProcesses(ssh, argv, env, ssh.nodes.map((n) => n.name)),
      slurm: slurmProcesses({ argv, slurmEnv, pollMs: o.pollSeconds * 1000, dir: join(dir, 'startup', key) }),
    };
    const measured = { local: [], ssh: [], slurm: [] };
    for (let r = 0; r < o.rounds; r++) {
      for (const [name, start] of Object.entries(starters)) measured[name].push(await round(start, o.workers, `${name}: ${what}`, name === 'slurm' ? 120_000 : 60_000));
    }
    startup[what] = { local: median(measured.local), ssh: median(measured.ssh), slurm: median(measured.slurm), rounds: measured };
  }
  return startup;
}

/** Part 2: the simulated study with the local launcher, then on the local Slurm, with the same nodes and GPUs. */
async function studyThroughput(o, { dir, cluster, stops }) {
  const shape = localSlurmShape;
  // The local study's inventory is the cluster's nodes and GPUs: the same capacity on both sides.
  const inventory = { nodes: cluster.nodes.map((name) => ({ name, host: 'localhost', slots: shape.cpusPerNode, gpus: shape.gpusPerNode })) };
  const atOnce = Math.min(o.trials, shape.nodes * Math.floor(shape.gpusPerNode / o.gpus));
  const ideal = Math.ceil(o.trials / atOnce) * o.epochs * o.epochMs;
  const common = { o: { trials: o.trials, epochs: o.epochs, epochMs: o.epochMs, gpus: o.gpus, seed: o.seed }, dir, stops, timeoutMs: Math.max(240_000, 10 * ideal) };
  const local = await runLauncherStudy({ ...common, name: 'local', launcher: 'local', inventory });
  const slurm = await runLauncherStudy({
    ...common, name: 'slurm', launcher: { slurm: { partition: shape.partition, time: '00:20:00', pollSeconds: o.pollSeconds } }, env: cluster.env,
  });
  return { local, slurm, atOnce, idealSeconds: ideal / 1000 };
}

function table(widths, rows) {
  for (const cells of rows) console.log(cells.map((c, i) => String(c).padEnd(widths[i])).join(' '));
}

function print(o, cluster, { startup, study, seconds }) {
  const shape = localSlurmShape;
  const scheduling = readFileSync(cluster.conf, 'utf8').match(/^SchedulerParameters=(.*)$/m)?.[1] ?? 'the defaults';
  console.log(`launch bench: ms until each of ${o.workers} processes printed its first line (median of ${o.rounds} rounds)`);
  console.log(`  local = child processes; ssh = ${o.workers} sshd hosts on 127.0.0.1 (handshake, key login, remote wrapper; no network)`);
  console.log(`  slurm = one sbatch job per process on the local Slurm (${shape.nodes} virtual nodes), the coordinator's SlurmLauncher: sbatch,`);
  console.log(`          slurmctld's scheduling (${scheduling}), the job's start on its node, and the launcher's read of its --output file every ${o.pollSeconds} s`);
  table([38, 8, 8, 8, 10, 12], [
    ['', 'local', 'ssh', 'slurm', 'ssh/local', 'slurm/local'],
    ...Object.entries(startup).map(([what, r]) => [what, r.local.toFixed(0), r.ssh.toFixed(0), r.slurm.toFixed(0), (r.ssh / r.local).toFixed(2), (r.slurm / r.local).toFixed(2)]),
  ]);
  console.log('');
  const { local: l, slurm: s } = study;
  console.log(`simulated study (tensorfleet hpo run, start to exit): ${o.trials} FIFO trials x ${o.epochs} epochs x ${o.epochMs} ms, ${o.gpus} GPUs each, all submitted;`);
  console.log(`  ${study.atOnce} run at once on ${shape.nodes} nodes x ${shape.gpusPerNode} GPUs (local: the study's inventory; slurm: GRES); the epochs alone take ${study.idealSeconds.toFixed(1)} s`);
  table([24, 26, 26, 12], [
    ['', 'local', 'slurm', 'slurm/local'],
    ['wall time (s)', l.wall.toFixed(1), s.wall.toFixed(1), (s.wall / l.wall).toFixed(2)],
    ['trials/hour', l.trialsPerHour.toFixed(0), s.trialsPerHour.toFixed(0), (s.trialsPerHour / l.trialsPerHour).toFixed(2)],
    ['epochs run', l.epochs, s.epochs, (s.epochs / l.epochs).toFixed(2)],
    ['trials by state', JSON.stringify(l.states), JSON.stringify(s.states), ''],
  ]);
  console.log(`(bench took ${seconds.toFixed(0)} s)`);
}

export async function run(args) {
  const o = {
    workers: arg(args, '--workers', 3), rounds: arg(args, '--rounds', 3),
    trials: arg(args, '--trials', 12), epochs: arg(args, '--epochs', 3), epochMs: arg(args, '--epoch-ms', 2000),
    gpus: arg(args, '--gpus', 2), seed: arg(args, '--seed', 7),
    pollSeconds: arg(args, '--poll-seconds', slurmTrialOptionsSchema.parse({}).pollSeconds),
  };
  if (o.gpus > localSlurmShape.gpusPerNode) throw new Error(`launch bench: --gpus ${o.gpus}: a node of the local Slurm has ${localSlurmShape.gpusPerNode} GPUs`);
  const began = performance.now();
  // What to stop, newest first: in `finally`, and on SIGINT/SIGTERM (the daemons run detached: they would outlive us).
  const stops = [];
  const stopAll = async () => {
    while (stops.length) {
      try {
        await stops.pop()();
      } catch (err) {
        console.error(`launch bench: cleanup: ${err.message}`);
      }
    }
  };
  const onSignal = (signal) => {
    console.error(`launch bench: ${signal}: stopping what it started`);
    void stopAll().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const dir = mkdtempSync(join(tmpdir(), 'tf-bench-launch-'));
    stops.push(() => rmSync(dir, { recursive: true, force: true }));
    const cluster = await startCluster();
    stops.push(() => cluster.stop());
    const hosts = await startSshHosts(o.workers, { slots: 1 });
    stops.push(() => hosts.stop());
    const results = { startup: await startupLatency(o, { dir, cluster, hosts }), study: await studyThroughput(o, { dir, cluster, stops }) };
    results.seconds = (performance.now() - began) / 1000;
    if (args.includes('--json')) console.log(JSON.stringify({ options: o, ...results }));
    else print(o, cluster, results);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await stopAll();
  }
}
