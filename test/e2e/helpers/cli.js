// Runs the built `tensorfleet` binary as a child process and reads what it leaves behind (logs, summary.json,
// checkpoints), the way a user or the HPO coordinator would.
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/** The built CLI entry point (`npx turbo run build` first). */
export const cliPath = join(dirname(require.resolve('tensorfleet')), 'bin.js');

/**
 * Starts `node <cli> ...args` (or `prefix... node <cli> ...args`, e.g. `ip netns exec NS`) and collects its stdout
 * lines; `onLine(line, parsed)` sees each one as it arrives. With `detached` the child leads its own process group,
 * so the whole cluster it spawns can be signalled at once with `process.kill(-child.pid, sig)`.
 */
export function startCli(args, { prefix = [], env = {}, detached = false, onLine = () => {} } = {}) {
  const command = prefix.length ? prefix[0] : process.execPath;
  const argv = prefix.length ? [...prefix.slice(1), process.execPath, cliPath, ...args] : [cliPath, ...args];
  const child = spawn(command, argv, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached });
  const lines = [];
  let stderr = '';
  let pending = '';
  child.stdout.setEncoding('utf8').on('data', (chunk) => {
    pending += chunk;
    let nl;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      lines.push(line);
      onLine(line, parseLine(line));
    }
  });
  child.stderr.setEncoding('utf8').on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-20_000);
  });
  const exited = new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (pending) lines.push(pending);
      resolve({ code, signal, lines, stderr, logs: lines.map(parseLine).filter(Boolean) });
    });
  });
  return { child, exited };
}

/** Runs the CLI to completion; rejects with its stderr and last log lines when it does not exit 0. */
export async function runCli(args, options = {}) {
  const result = await startCli(args, options).exited;
  if (result.code !== 0) throw new Error(`tensorfleet ${args.join(' ')} exited with ${result.signal ?? result.code}\n${describe(result)}`);
  return result;
}

/** The last lines and stderr of a run, for failure messages. */
export function describe({ lines, stderr }) {
  return `--- last stdout lines ---\n${lines.slice(-8).join('\n')}\n--- stderr ---\n${stderr.slice(-3000)}`;
}

function parseLine(line) {
  if (!line.startsWith('{')) return null;
  try {
    return JSON.parse(line);
  } catch {
    return null;
  }
}

/** summary.json named by the run's last stdout line (the CLI's contract). */
export function readSummary({ lines }) {
  const path = lines.filter((l) => l.trim() !== '').at(-1);
  if (!path?.endsWith('summary.json')) throw new Error(`the last stdout line is not a summary path: ${JSON.stringify(path)}`);
  return { path, summary: JSON.parse(readFileSync(path, 'utf8')) };
}

/**
 * A checkpoint's weights as saved for stock tfjs: model.json's manifest applied to weights.bin, in manifest order.
 * @returns {{ name: string, shape: number[], values: Float32Array }[]}
 */
export function readCheckpointWeights(modelDir) {
  const modelJson = JSON.parse(readFileSync(join(modelDir, 'model.json'), 'utf8'));
  const bin = readFileSync(join(modelDir, 'weights.bin'));
  const specs = modelJson.weightsManifest.flatMap((group) => group.weights);
  let offset = 0;
  const weights = specs.map((spec) => {
    if (spec.dtype !== 'float32') throw new Error(`${modelDir}: weight ${spec.name} has dtype ${spec.dtype}, expected float32`);
    const count = spec.shape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(bin.buffer.slice(bin.byteOffset + offset, bin.byteOffset + offset + count * 4));
    offset += count * 4;
    return { name: spec.name, shape: spec.shape, values };
  });
  if (offset !== bin.length) throw new Error(`${modelDir}: manifest covers ${offset} bytes of a ${bin.length}-byte weights.bin`);
  return weights;
}

/** Checkpoint folders (ckpt-<step>) under DIR/checkpoints, oldest first. */
export function listCheckpoints(outDir) {
  try {
    return readdirSync(join(outDir, 'checkpoints')).filter((f) => /^ckpt-\d+$/.test(f)).sort();
  } catch {
    return [];
  }
}

/** Pids of every live process in process group `pgid` (from /proc), zombies excluded. */
export function processGroupMembers(pgid) {
  const members = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the parenthesised command: state ppid pgrp ...
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(pgrp) === pgid && state !== 'Z') members.push(Number(entry));
    } catch {
      // the process exited while we looked
    }
  }
  return members;
}
