// The SSH launcher for real: real OpenSSH sshd hosts on 127.0.0.1 (infra/ssh/sshd-hosts.sh, three ports = three
// hosts), the real `tensorfleet` binary, key login with strict host key checking against the test's known_hosts.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, readSummary, runCli, startCli } from './helpers/cli.js';
import { startSshHosts } from './helpers/sshd.js';
import { sleep } from './helpers/net.js';

// mlp at batch 64: a one-epoch run takes seconds; the same seed and job on both launchers.
const job = ['--preset', 'mlp', '--batch-size', '64', '--seed', '5', '--metrics-port', '0', '--json'];

let hosts;
let root;
before(async () => {
  hosts = await startSshHosts(3);
  root = mkdtempSync(join(tmpdir(), 'tf-ssh-e2e-'));
});
after(() => {
  hosts?.stop();
  if (root) rmSync(root, { recursive: true, force: true });
});

/** A config file naming the ssh launcher's key and known_hosts (the hosts come from --hosts). */
function sshConfig(name, extra = {}) {
  const path = join(root, `${name}.json`);
  writeFileSync(path, JSON.stringify({ launcher: { ssh: { hosts: hosts.hostfile, ...hosts.sshOptions(), ...extra } } }));
  return path;
}

function hostfile(name, lines) {
  const path = join(root, name);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

const readLog = (out) => readFileSync(join(out, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));

/** Resolves once `check()` holds, or throws after `ms` (every wait in this file ends). */
async function until(check, ms, what) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (check()) return;
    await sleep(100);
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}`);
}

test('train --launcher ssh on 3 hosts reaches the same test accuracy as local, with every worker line tagged by its host', { timeout: 300_000 }, async () => {
  const local = readSummary(await runCli(['train', '--workers', '3', '--epochs', '1', '--out', join(root, 'local'), ...job]));
  const out = join(root, 'ssh');
  const hostsFile = hostfile('three.txt', hosts.ports.map((p) => hosts.hostLine(p, 1)));
  const before = hosts.ports.map((p) => hosts.logins(p));
  const ssh = readSummary(await runCli(['train', '--config', sshConfig('three'), '--launcher', 'ssh', '--hosts', hostsFile, '--workers', '3', '--epochs', '1', '--out', out, ...job]));
  assert.equal(ssh.summary.testAccuracy, local.summary.testAccuracy, 'same seed, same job, same workers: the same result');
  assert.ok(ssh.summary.testAccuracy > 0.8, `it learned (${ssh.summary.testAccuracy})`);
  hosts.ports.forEach((p, i) => assert.equal(hosts.logins(p), before[i] + 1, `one worker logged in on host ${p}`));
  const lines = readLog(out).filter((l) => l.role === 'worker');
  for (const port of hosts.ports) {
    assert.ok(lines.some((l) => l.host === `127.0.0.1:${port}` && l.name === `127.0.0.1:${port}-${hosts.ports.indexOf(port)}`), `log.jsonl has lines of the worker on ${port}`);
  }
  assert.ok(lines.every((l) => typeof l.host === 'string'), 'every worker line names its host');
});

/** Starts a long ssh run on 2 hosts and resolves once every worker trains (a step line from each). */
async function trainingOnHosts(name, extra = [], { workers = 2, epochs = 30, ports = hosts.ports.slice(0, 2), gpus = [] } = {}) {
  const out = join(root, name);
  const hostsFile = hostfile(`${name}.txt`, ports.map((p, i) => `${hosts.hostLine(p, 1)}${gpus[i] === undefined ? '' : ` gpus=${gpus[i]}`}`));
  const ready = new Set();
  let training = false;
  const run = startCli(['train', '--config', sshConfig(name), '--hosts', hostsFile, '--workers', String(workers), '--epochs', String(epochs), '--out', out, ...job, ...extra], {
    onLine: (_line, l) => {
      if (l?.role === 'worker' && typeof l.host === 'string' && /job received/.test(l.msg ?? '')) ready.add(l.host);
      if (l?.role === 'ps' && /all workers joined/.test(l.msg ?? '')) training = true;
    },
  });
  try {
    await until(() => (training && ready.size === 2) || run.child.exitCode !== null, 120_000, 'both remote workers to train');
    await sleep(1000); // a few steps in
  } catch (err) {
    run.child.kill('SIGKILL');
    throw err;
  }
  assert.equal(run.child.exitCode, null, 'the run is still going');
  return { run, out };
}

/** A process's NUL-separated /proc file as text ('' once it is gone). */
function procText(pid, file) {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

test('SIGTERM on train: the run stops (exit 130) and no process is left on the hosts; the token was in no command line, each worker saw its own GPU', { timeout: 240_000 }, async () => {
  const { run } = await trainingOnHosts('stopped', [], { gpus: [3, 5] });
  try {
    const remote = hosts.processes();
    assert.ok(remote.length > 0, 'the workers run under the hosts\' sshd');
    const environs = remote.map((p) => procText(p, 'environ'));
    const tokens = new Set(environs.flatMap((e) => /TENSORFLEET_TOKEN=(\S+)/.exec(e)?.[1] ?? []));
    assert.equal(tokens.size, 1, 'the remote workers got the token in their environment');
    const [token] = tokens;
    const everyCommandLine = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map((p) => procText(p, 'cmdline'));
    assert.ok(!everyCommandLine.some((c) => c.includes(token)), 'no process on this machine has the token in its argv');
    const devices = environs.filter((e) => e.includes('TENSORFLEET_TOKEN=')).map((e) => / CUDA_VISIBLE_DEVICES=(\S*)/.exec(` ${e}`)?.[1]);
    assert.deepEqual(new Set(devices), new Set(['3', '5']), 'each worker sees its host\'s GPU');
    run.child.kill('SIGTERM');
    const result = await run.exited;
    assert.equal(result.code, 130, describe(result));
    await until(() => hosts.processes().length === 0, 10_000, 'the hosts to have no process left');
  } finally {
    run.child.kill('SIGKILL');
  }
});

test('SIGKILL of train: the remote workers die with it (no process left on the hosts)', { timeout: 240_000 }, async () => {
  const { run } = await trainingOnHosts('killed');
  try {
    run.child.kill('SIGKILL');
    await run.exited;
    await until(() => hosts.processes().length === 0, 15_000, 'the hosts to have no process left');
  } finally {
    run.child.kill('SIGKILL');
  }
});

test('a host that goes away mid-run fails the run with one line naming it, exit 1', { timeout: 240_000 }, async () => {
  const { run } = await trainingOnHosts('host-lost');
  try {
    const lost = hosts.ports[1];
    hosts.kill(lost);
    const result = await run.exited;
    assert.equal(result.code, 1, describe(result));
    const failure = result.logs.find((l) => l.msg === 'training failed');
    assert.ok(failure && failure.err.includes(`127.0.0.1:${lost}`), `the failure names the lost host\n${describe(result)}`);
    await until(() => hosts.processes().length === 0, 15_000, 'the other host to have no process left');
  } finally {
    run.child.kill('SIGKILL');
  }
});

test('--elastic: a host that goes away mid-run only loses its worker; the run completes on the others', { timeout: 240_000 }, async () => {
  // Hosts 0 and 2: host 1 went away in the test before.
  const lost = hosts.ports[2];
  const { run } = await trainingOnHosts('elastic', ['--elastic'], { workers: 2, epochs: 3, ports: [hosts.ports[0], lost] });
  try {
    hosts.kill(lost);
    const result = await run.exited;
    assert.equal(result.code, 0, describe(result));
    assert.ok(result.logs.some((l) => l.role === 'cli' && /a worker left; the elastic job goes on/.test(l.msg ?? '') && l.err.includes(`127.0.0.1:${lost}`)), describe(result));
    readSummary(result);
  } finally {
    run.child.kill('SIGKILL');
  }
});

test('an hpo study with launcher ssh runs its trials on the hosts (their slots are the inventory)', { timeout: 300_000 }, async () => {
  const dir = join(root, 'hpo');
  const ports = [hosts.ports[0]]; // hosts 1 and 2 went away in the tests before
  const hostsFile = hostfile('hpo-hosts.txt', ports.map((p) => hosts.hostLine(p, 2)));
  const spec = join(root, 'study.json');
  writeFileSync(spec, JSON.stringify({
    name: 'ssh-study', searcher: 'grid', objective: { metric: 'valAccuracy' }, budget: { maxConcurrent: 2, maxEpochs: 1 },
    launcher: { ssh: { hosts: hostsFile, ...hosts.sshOptions() } },
    base: { model: { preset: 'mlp', bn: false }, batchSize: 64, scheduler: { name: 'none' } },
    space: { 'optimizer.lr': [0.01, 0.03] },
    out: dir,
  }));
  const storage = join(root, 'studies.sqlite');
  const logins = hosts.logins(ports[0]);
  await runCli(['hpo', 'run', spec, '--storage', storage, '--json', '--no-report']);
  const status = JSON.parse((await runCli(['hpo', 'status', 'ssh-study', '--storage', storage, '--json'])).lines.join(''));
  assert.deepEqual(status.trials.map((t) => t.state), ['completed', 'completed'], JSON.stringify(status));
  for (const t of status.trials) assert.ok(t.objective > 0.5, `trial ${t.trial} learned: ${t.objective}`);
  assert.equal(hosts.logins(ports[0]), logins + 2, 'each trial was one ssh login on the host');
  await until(() => hosts.processes().length === 0, 10_000, 'nothing left running on the host');
});

test('a bad hosts file is one line naming the file and line, exit 2', { timeout: 60_000 }, async () => {
  // (Every hostfile mistake is covered by packages/launch's hostfile tests; here the CLI's handling of two.)
  const cases = [
    [['# two hosts', '127.0.0.1:2201 slots=2', '', 'gpu2 slots=two'], /bad-1\.txt:4: slots expects a positive integer, got "two"/],
    [['a slots=1', 'a slots=1'], /bad-2\.txt:2: a is already listed on line 1/],
  ];
  for (const [i, [lines, expected]] of cases.entries()) {
    const file = hostfile(`bad-${i + 1}.txt`, lines);
    const result = await startCli(['train', '--hosts', file, '--epochs', '1', '--out', join(root, `bad-${i}`), ...job]).exited;
    assert.equal(result.code, 2, describe(result));
    assert.match(result.stderr, expected);
    assert.equal(result.stderr.trim().split('\n').length, 1, `one line: ${result.stderr}`);
  }
  const tooFew = hostfile('too-few.txt', [hosts.hostLine(hosts.ports[0], 1)]);
  const result = await startCli(['train', '--config', sshConfig('too-few'), '--hosts', tooFew, '--workers', '2', '--out', join(root, 'too-few'), ...job]).exited;
  assert.equal(result.code, 2, describe(result));
  assert.match(result.stderr, /1 host\(s\) offer 1 slot\(s\), the job needs 2 workers/);
});
