import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { commandPath, helpExamples } from './help.js';
import { buildProgram, commandLoaders } from './main.js';

const bin = fileURLToPath(new URL('./bin.js', import.meta.url));
const help = (args: string[]) => spawnSync(process.execPath, [bin, ...args, '--help'], { encoding: 'utf8' });

const commands = (c: Command): Command[] => [c, ...c.commands.flatMap(commands)];

test('every command has examples in its --help, and exits 0', async () => {
  for (const command of commands(await buildProgram())) {
    const path = commandPath(command);
    assert.ok(helpExamples[path], `${path} has no examples in help.ts`);
    const r = help(path.split(' ').slice(1));
    assert.equal(r.status, 0, `${path} --help: ${r.stderr}`);
    assert.match(r.stdout, /\nExamples:\n {2}\$ .*npx tensorfleet/, `${path} --help shows no example`);
  }
});

test('each lazily loaded command is the one its key names, and a program of one command has just it', async () => {
  for (const [name, load] of Object.entries(commandLoaders)) assert.equal((await load()).name(), name);
  assert.deepEqual((await buildProgram('worker')).commands.map((c) => c.name()), ['worker']);
  assert.equal((await buildProgram('trian')).commands.length, Object.keys(commandLoaders).length, 'an unknown name loads every command');
});

test('--help shows the defaults of the options a person is likely to change', () => {
  const train = help(['train']).stdout;
  for (const flag of ['--epochs', '--batch-size', '--workers', '--backend', '--out', '--seed']) {
    const line = train.split('\n').find((l) => l.trimStart().startsWith(flag) || l.includes(`, ${flag}`));
    assert.ok(line, `train --help lists ${flag}`);
    // The option's whole description: its line and the wrapped lines under it, up to the next option.
    const rest = train.slice(train.indexOf(line) + line.length).split('\n');
    const description = [line, ...rest.slice(1, rest.findIndex((l, i) => i > 0 && /^\s+-/.test(l)))].join(' ');
    assert.match(description, /\(default: [^)]+\)/, `train --help gives ${flag} a default: ${description}`);
  }
  // A default the config spells differently from the flag (`model.bn: true`) is shown as a value the flag takes.
  assert.match(train, /--bn <mode>[^]*?\(default:\s+local\)/);
  assert.match(help(['logs']).stdout, /--storage <file>.*\(default:\s+"runs\/hpo\/studies\.sqlite"\)/s);
  assert.match(help(['worker']).stdout, /--backend <name>.*default: "auto"/s);
});

test('no subcommand, an unknown command or option: usage errors exit 2', () => {
  for (const args of [[], ['trian'], ['logs'], ['hpo', 'status']]) {
    const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
    assert.equal(r.status, 2, `tensorfleet ${args.join(' ')}: ${r.stderr}`);
  }
  assert.equal(spawnSync(process.execPath, [bin, '--version'], { encoding: 'utf8' }).status, 0);
});

test('a worker that cannot reach its PS says so one line per retry, with the cause and the delay, then fails in one line', { timeout: 120_000 }, () => {
  const r = spawnSync(process.execPath, [bin, 'worker', '--ps', 'ws://127.0.0.1:1', '--json'], {
    encoding: 'utf8', env: { ...process.env, TENSORFLEET_TOKEN: 'a-long-enough-test-token-0123456789abcdef' }, timeout: 110_000,
  });
  assert.equal(r.status, 1, r.stdout + r.stderr);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  const retries = lines.filter((l) => l.msg === 'retrying');
  assert.equal(retries.length, 4, 'runWorker gives up after 4 attempts by default, so a worker of a vanished PS exits within seconds');
  retries.forEach((l, i) => {
    assert.equal(l.role, 'worker');
    assert.equal(l.error, 'ECONNREFUSED');
    assert.equal(l.attempt, i + 1);
    assert.ok(typeof l.delayMs === 'number' && l.delayMs > 0);
  });
  const failed = lines.filter((l) => l.msg === 'worker failed');
  assert.equal(failed.length, 1);
  assert.equal(failed[0]!.role, 'worker');
  assert.match(String(failed[0]!.err), /cannot reach ws:\/\/127\.0\.0\.1:1 \(ECONNREFUSED\); gave up after 4 reconnect attempts/);
});
