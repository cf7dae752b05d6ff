// `npm run bench -- train [--epochs E] [--workers N] [--seed S] [--transport auto|ws] [--json] [--no-torch] [--keep]`
// Runs `tensorfleet train` with the README defaults (mnist-small-cnn, 2 workers, the lecture's recipe) and reports
// time to 97% validation accuracy (summary.json's timeToAccuracy, counted from the command's start) and training
// samples/s; and, when /usr/bin/python3 imports torch, the same job under PyTorch DistributedDataParallel (gloo,
// 2 processes on 127.0.0.1, one thread each, same model, recipe and the very same split) side by side, with ratios.
// torch runs on OpenBLAS (installed when missing, as in the compute bench); a reference-BLAS torch is no anchor.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadMnistDigits, splitDataset } from '@tensorfleet/core';
import { logMessages, STEP_PROFILE_ENV } from '@tensorfleet/protocol';
import { formatCriticalPath, formatStepBreakdown, readCriticalPath, readStepBreakdown, stepTimes } from './lib/step-breakdown.js';
import { anchorEnv, ensureTorchOnOpenBlas, isOpenBlasAnchor, python, systemBlas } from './lib/torch-anchor.js';

const require = createRequire(import.meta.url);
const cli = join(dirname(require.resolve('tensorfleet')), 'bin.js');
const torchScript = fileURLToPath(new URL('./train_torch.py', import.meta.url));
const TARGET = '0.97';
const SPLIT = { ratios: [0.8, 0.1, 0.1], stratify: true }; // the CLI's split, seeded by its --seed (default 1)

function parseArgs(args) {
  const o = { epochs: undefined, workers: undefined, seed: 1, transport: undefined, json: false, torch: true, keep: false };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const int = () => {
      const v = Number(args[++i]);
      if (!Number.isInteger(v) || v < 1) throw new Error(`train bench: ${a} expects a positive integer, got ${JSON.stringify(args[i])}`);
      return v;
    };
    if (a === '--epochs') o.epochs = int();
    else if (a === '--workers') o.workers = int();
    // One seed is one draw of split, init, order, dropout and shifts on both sides: compare several before concluding.
    else if (a === '--seed') o.seed = int();
    // The CLI's own flag: auto (default, shared memory with these local workers) or ws (tensors over the socket).
    else if (a === '--transport') o.transport = args[++i];
    else if (a === '--json') o.json = true;
    else if (a === '--no-torch') o.torch = false;
    else if (a === '--keep') o.keep = true;
    else throw new Error(`train bench: unknown option ${a} (known: --epochs N, --workers N, --seed S, --transport auto|ws, --json, --no-torch, --keep)`);
  }
  return o;
}

/**
 * Runs the CLI; resolves with summary.json (path from its last stdout line) and `startupSeconds`: from the spawn to
 * the last worker's first step (its "model and data ready" line). Progress goes to stderr.
 */
function runTensorfleet(out, o) {
  const args = ['train', '--out', out, '--json'];
  if (o.epochs) args.push('--epochs', String(o.epochs));
  if (o.workers) args.push('--workers', String(o.workers));
  args.push('--seed', String(o.seed));
  if (o.transport) args.push('--transport', o.transport);
  return new Promise((resolve, reject) => {
    // The step profile (phase timings, logged at each process's end) costs a few clock reads per step.
    const spawnedAt = Date.now();
    const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, [STEP_PROFILE_ENV]: '1' } });
    let stdout = '';
    let lastReadyAt = null;
    let pending = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      stdout += chunk;
      const lines = (pending + chunk).split('\n');
      pending = lines.pop();
      for (const line of lines) {
        if (line.includes('"msg":"epoch"')) process.stderr.write(`tensorfleet ${epochNote(JSON.parse(line))}\n`);
        if (line.includes(`"msg":"${logMessages.workerReady}"`)) lastReadyAt = Math.max(lastReadyAt ?? 0, JSON.parse(line).time);
      }
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const last = stdout.trim().split('\n').at(-1) ?? '';
      if (code !== 0 || !last.endsWith('summary.json')) return reject(new Error(`tensorfleet train exited with ${code}:\n${stdout.slice(-2000)}`));
      const summary = JSON.parse(readFileSync(last, 'utf8'));
      resolve({ ...summary, startupSeconds: lastReadyAt === null ? null : (lastReadyAt - spawnedAt) / 1000 });
    });
  });
}

function epochNote(e) {
  return `epoch ${e.epoch + 1}: val ${(e.valAccuracy * 100).toFixed(1)}%, ${Math.round(e.samplesPerSec)} samples/s`;
}

/** Why torch on OpenBLAS cannot run here (after trying to install it), or null. */
function torchUnavailable() {
  return ensureTorchOnOpenBlas((line) => console.error(line));
}

/**
 * The CLI's split as index lists into the 10k digits: split a stand-in dataset whose "pixels" are the sample
 * indices, with the real labels (stratification uses them), so torch trains on exactly our train/val/test.
 */
function splitIndices(seed) {
  const digits = loadMnistDigits();
  const ids = { ...digits, images: Float32Array.from({ length: digits.count }, (_, i) => i), height: 1, width: 1, channels: 1 };
  const [train, val, test] = splitDataset(ids, { ...SPLIT, seed }).map((part) => Array.from(part.images));
  return { train, val, test };
}

function runTorch(workDir, o) {
  const split = join(workDir, 'split.json');
  writeFileSync(split, JSON.stringify(splitIndices(o.seed)));
  const digits = dirname(require.resolve('mnist/src/digits/0.json'));
  const args = [torchScript, '--digits', digits, '--split', split, '--epochs', String(o.epochs), '--workers', String(o.workers), '--seed', String(o.seed)];
  // Bounded: torch 1.13 can deadlock a DDP rank at exit (train_torch.py now exits without destructors for that reason);
  // should an anchor hang some other way, it must fail the bench, not hold it forever.
  const r = spawnSync(python, args, { encoding: 'utf8', env: anchorEnv(), maxBuffer: 1 << 24, timeout: TORCH_TIMEOUT_MS, killSignal: 'SIGKILL' });
  if (r.error?.code === 'ETIMEDOUT') throw new Error(`train_torch.py did not finish within ${TORCH_TIMEOUT_MS / 60_000} minutes (a hung DDP rank?):\n${(r.stderr ?? '').slice(-3000)}`);
  if (r.status !== 0) throw new Error(`train_torch.py failed (${r.status}):\n${r.stderr.slice(-3000)}`);
  const result = JSON.parse(r.stdout.trim().split('\n').at(-1));
  if (!isOpenBlasAnchor(result.blas)) throw new Error(`train_torch.py ran on ${result.blas?.library} (libblas.so.3 -> ${systemBlas()}), not OpenBLAS: not an anchor`);
  return result;
}

/** The 1-based number of the first epoch whose validation accuracy reached the target, or null. */
const firstEpochAt = (history) => {
  const i = history?.findIndex((e) => e.valAccuracy >= Number(TARGET)) ?? -1;
  return i < 0 ? null : i + 1;
};
const fmt = (v, digits = 2) => (v === null || v === undefined ? '—' : typeof v === 'number' ? v.toFixed(digits) : String(v));
const BATCH = 32; // per worker, the CLI's and train_torch.py's default
const TORCH_TIMEOUT_MS = 15 * 60_000; // its 10 epochs take well under a minute on 2 cores
const ratio = (a, b) => (typeof a === 'number' && typeof b === 'number' && b !== 0 ? a / b : null);

export async function run(args) {
  const o = parseArgs(args);
  const workDir = mkdtempSync(join(tmpdir(), 'tf-bench-train-'));
  const machine = { cpus: cpus().length, loadAverageAtStart: Number(loadavg()[0].toFixed(2)) }; // others' load skews both sides
  try {
    const ours = await runTensorfleet(join(workDir, 'run'), o);
    const breakdown = readStepBreakdown(join(workDir, 'run'));
    const critical = readCriticalPath(join(workDir, 'run'));
    const times = stepTimes(ours);
    const absent = o.torch ? torchUnavailable() : 'skipped (--no-torch)';
    // The same epochs and workers as the run we just made (its defaults, unless given).
    const theirs = absent ? null : runTorch(workDir, { epochs: ours.epochs, workers: ours.workers, seed: o.seed });
    const rows = [
      ['time to 97% val accuracy (s)', ours.timeToAccuracy[TARGET] ?? null, theirs?.timeToAccuracy[TARGET] ?? null, 2],
      // Time to 97% is epochs to 97% (convergence) times seconds per epoch (throughput) plus start-up: this row splits them.
      ['first epoch at 97% val accuracy', firstEpochAt(ours.history), firstEpochAt(theirs?.history), 0],
      ['training samples/s', ours.samplesPerSec, theirs?.samplesPerSec ?? null, 0],
      ['test accuracy', ours.testAccuracy, theirs?.testAccuracy ?? null, 4],
      ['ms per step (ours: compute + comm)', times.computeMs + times.commMs, theirs ? (1000 * theirs.workers * BATCH) / theirs.samplesPerSec : null, 1],
      ['start-up until the first step (s)', ours.startupSeconds, theirs?.startupSeconds ?? null, 2],
      ['epochs', ours.epochs, theirs?.epochs ?? null, 0],
      ['wall seconds (incl. start-up)', ours.wallSeconds, theirs?.wallSeconds ?? null, 2],
    ];
    const result = {
      target: Number(TARGET),
      machine,
      tensorfleet: { transport: o.transport ?? 'auto', startupSeconds: ours.startupSeconds, stepTimes: times, stepBreakdown: breakdown, criticalPath: critical, backend: ours.backend, workers: ours.workers, epochs: ours.epochs, timeToTarget: ours.timeToAccuracy[TARGET] ?? null, samplesPerSec: ours.samplesPerSec, testAccuracy: ours.testAccuracy, wallSeconds: ours.wallSeconds, history: ours.history },
      pytorch: theirs ? { ...theirs, timeToTarget: theirs.timeToAccuracy[TARGET] ?? null } : { absent },
      ratios: theirs
        ? { timeToTarget: ratio(ours.timeToAccuracy[TARGET], theirs.timeToAccuracy[TARGET]), samplesPerSec: ratio(ours.samplesPerSec, theirs.samplesPerSec) }
        : null,
    };
    if (o.json) {
      console.log(JSON.stringify(result, null, 2));
      return;
    }
    const head = ['', `tensorfleet (${ours.backend}, ${ours.workers} workers, transport ${o.transport ?? 'auto'})`, theirs ? `PyTorch ${theirs.torch} DDP (gloo, ${theirs.workers}×1 thread, OpenBLAS)` : 'PyTorch DDP', 'tensorfleet / PyTorch'];
    const body = rows.map(([name, a, b, d]) => [name, fmt(a, d), fmt(b, d), fmt(ratio(a, b), 2)]);
    const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
    const line = (r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
    console.log(line(head));
    for (const r of body) console.log(line(r));
    console.log(`tensorfleet per step: compute ${times.computeMs.toFixed(1)} ms, communication ${times.commMs.toFixed(1)} ms (commMsPerStep): ${(100 * times.commShare).toFixed(1)}% of the step`);
    if (breakdown) for (const l of formatStepBreakdown(breakdown)) console.log(l);
    if (critical) for (const l of formatCriticalPath(critical)) console.log(l);
    if (absent) console.log(`PyTorch: ${absent}`);
    if (theirs) console.log(`PyTorch BLAS: ${theirs.blas.library}, ${theirs.blas.threads} OpenBLAS thread(s) per process`);
    if (ours.timeToAccuracy[TARGET] === undefined) console.log(`tensorfleet did not reach ${TARGET} validation accuracy in ${ours.epochs} epochs`);
    if (theirs && theirs.timeToAccuracy[TARGET] === undefined) console.log(`PyTorch did not reach ${TARGET} validation accuracy in ${theirs.epochs} epochs`);
    console.log(`machine: ${machine.cpus} cores, 1-minute load average ${machine.loadAverageAtStart} at the start (anything else running slows both sides).`);
    console.log('time to 97%: seconds from the command\'s start to the end of the first epoch whose validation accuracy reached 97%.');
  } finally {
    if (o.keep) console.error(`kept ${workDir}`);
    else rmSync(workDir, { recursive: true, force: true });
  }
}
