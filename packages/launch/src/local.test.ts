import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { LocalProcessLauncher } from './local.js';
import { isSameProcess, processStartTime } from './process-identity.js';

const node = process.execPath;
/** True while a process with this pid exists (zombies excluded). */
const alive = (pid: number, start: string | null) => isSameProcess(pid, start);

async function until(check: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return check();
}

test('a local process streams its lines in order, sees its env and GPUs, and reports its exit after the last line', { timeout: 30_000 }, async () => {
  const lines: string[] = [];
  const p = new LocalProcessLauncher().start(
    { argv: [node, '-e', 'console.log(process.env.SECRET); console.error("E"); console.log(process.env.CUDA_VISIBLE_DEVICES); process.exit(3)'], env: { SECRET: 's' }, gpus: [1, 2], label: 'w0' },
    (l) => lines.push(`${l.label} ${l.stream} ${l.text}`),
  );
  assert.deepEqual(await p.exited, { code: 3, signal: null });
  assert.deepEqual(lines.filter((l) => l.includes('stdout')), ['w0 stdout s', 'w0 stdout 1,2']);
  assert.ok(lines.includes('w0 stderr E'));
});

test('a command that does not exist is a start error, not a hang', { timeout: 30_000 }, async () => {
  const exit = await new LocalProcessLauncher().start({ argv: ['/nonexistent/tensorfleet'], env: {}, label: 'x' }, () => {}).exited;
  assert.ok(exit.startError !== undefined || exit.code !== 0, JSON.stringify(exit));
});

test('stop ends the process and everything it started (its process group), SIGKILL after the grace', { timeout: 30_000 }, async () => {
  // The child ignores SIGTERM and starts a grandchild that ignores it too; both print their pid.
  const script = `process.on('SIGTERM', () => {}); const c = require('child_process').spawn(process.execPath, ['-e', "process.on('SIGTERM', () => {}); console.log(process.pid); setInterval(() => {}, 1000)"], { stdio: ['ignore', 'inherit', 'inherit'] }); setInterval(() => {}, 1000)`;
  const pids: number[] = [];
  const p = new LocalProcessLauncher().start({ argv: [node, '-e', script], env: {}, label: 'g' }, (l) => pids.push(Number(l.text)));
  assert.ok(await until(() => pids.length === 1, 10_000), 'the grandchild printed its pid');
  const grandchild = pids[0]!;
  const start = processStartTime(grandchild);
  const started = Date.now();
  await p.stop(500);
  assert.ok(Date.now() - started >= 400, 'SIGTERM was ignored, so the stop waited for its grace');
  assert.ok(await until(() => !alive(grandchild, start), 5000), 'the grandchild was killed with its group');
});

test('processes die with the process that launched them, even when it is SIGKILLed', { timeout: 30_000 }, async () => {
  const launcherJs = fileURLToPath(new URL('./local.js', import.meta.url));
  const owner = `import { LocalProcessLauncher } from ${JSON.stringify(launcherJs)};
    const p = new LocalProcessLauncher().start({ argv: [process.execPath, '-e', 'console.log(process.pid); setInterval(() => {}, 1000)'], env: {}, label: 'c' }, (l) => console.log(l.text));
    setInterval(() => {}, 1000);`;
  const parent = spawn(node, ['--input-type=module', '-e', owner], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const [chunk] = (await once(parent.stdout!, 'data')) as [Buffer];
    const child = Number(chunk.toString().trim());
    const start = processStartTime(child);
    assert.ok(alive(child, start));
    parent.kill('SIGKILL');
    assert.ok(await until(() => !alive(child, start), 5000), 'the orphan was killed by its parent-death signal');
  } finally {
    parent.kill('SIGKILL');
  }
});
