// `npm run bench -- compute [--json] [--presets a,b] [--backends native,wasm,cpu,tensorflow] [--batch 64]
//                           [--seconds 3] [--rounds 2] [--threads 1] [--memory-steps 500] [--profile]`
// Training samples/s (forward + backward + SGD update, batch of random data) for each model preset on each
// available tfjs backend ('native': wasm with the OpenBLAS kernels of @tensorfleet/native, on --threads threads),
// with PyTorch on OpenBLAS and one thread (torch.set_num_threads(1) and OPENBLAS_NUM_THREADS=1) on the same
// architecture and batch side by side. Torch and ours alternate preset by preset, `--rounds` times each, and each
// side counts at its best round: load on this shared machine moves within seconds, and the alternation keeps it
// from favouring either side. The machine's load average is printed with the results. The bench installs Debian's python3-torch and OpenBLAS when missing (as root)
// and refuses to use a torch run on the reference BLAS as the anchor. Models come from core's presetSpec/buildModel when the
// built core provides them, else from tfjs-layers definitions of the same architectures (the table says which).
import { spawn } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { anchorEnv, ensureTorchOnOpenBlas, isOpenBlasAnchor, python, systemBlas } from './lib/torch-anchor.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const INPUT = { mlp: [28, 28, 1], 'mnist-small-cnn': [28, 28, 1], 'seed-convnet': [32, 32, 3] };
const CPU_PRESETS = new Set(['mlp', 'mnist-small-cnn']); // seed-convnet on cpu: minutes per step

function parseArgs(args) {
  const opts = { json: false, presets: Object.keys(INPUT), backends: ['tensorflow', 'native', 'wasm', 'cpu'], batch: 64, seconds: 3, rounds: 2, threads: 1, memorySteps: 0, profile: false };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const next = () => {
      if (i + 1 >= args.length) throw new Error(`compute bench: ${a} needs a value`);
      return args[++i];
    };
    if (a === '--json') opts.json = true;
    else if (a === '--profile') opts.profile = true;
    else if (a === '--presets') opts.presets = next().split(',');
    else if (a === '--backends') opts.backends = next().split(',');
    else if (a === '--batch') opts.batch = Number(next());
    else if (a === '--seconds') opts.seconds = Number(next());
    else if (a === '--threads') opts.threads = Number(next());
    else if (a === '--rounds') opts.rounds = Number(next());
    else if (a === '--memory-steps') opts.memorySteps = Number(next());
    else throw new Error(`compute bench: unknown option ${a}`);
  }
  if (!(Number.isInteger(opts.rounds) && opts.rounds >= 1)) throw new Error(`compute bench: --rounds must be a positive integer`);
  for (const p of opts.presets) if (!(p in INPUT)) throw new Error(`compute bench: unknown preset '${p}' (known: ${Object.keys(INPUT).join(', ')})`);
  return opts;
}

/** Same architectures as core's presets (BN before ReLU, no bias under BN), with tfjs-layers' own layers. */
function localModel(name) {
  const L = tf.layers;
  const convBlock = (filters, convs, dropoutConv) => {
    const out = [];
    for (let i = 0; i < convs; i++) out.push(L.conv2d({ filters, kernelSize: 3, padding: 'same', useBias: false }), L.batchNormalization(), L.activation({ activation: 'relu' }));
    out.push(L.maxPooling2d({ poolSize: 2 }));
    // tfjs-layers has no SpatialDropout2D: element dropout stands in (same cost, different mask shape).
    if (dropoutConv > 0) out.push(L.dropout({ rate: dropoutConv }));
    return out;
  };
  const input = L.inputLayer({ inputShape: INPUT[name] });
  let layers;
  if (name === 'mlp') {
    layers = [L.flatten(), L.dense({ units: 256, activation: 'relu' }), L.dropout({ rate: 0.2 }), L.dense({ units: 128, activation: 'relu' }), L.dropout({ rate: 0.2 })];
  } else if (name === 'mnist-small-cnn') {
    layers = [...convBlock(16, 1, 0), ...convBlock(32, 1, 0), L.flatten(), L.dense({ units: 128, activation: 'relu' }), L.dropout({ rate: 0.5 })];
  } else {
    layers = [...convBlock(32, 2, 0.05), ...convBlock(64, 3, 0.05), ...convBlock(128, 3, 0.05), L.flatten(), L.dense({ units: 512, useBias: false }), L.batchNormalization(), L.activation({ activation: 'relu' }), L.dropout({ rate: 0.5 })];
  }
  return tf.sequential({ layers: [input, ...layers, L.dense({ units: 10, activation: 'softmax' })] });
}

function makeModel(core, name) {
  if (typeof core.presetSpec === 'function' && typeof core.buildModel === 'function') {
    try {
      return { model: core.buildModel(core.presetSpec(name, { inputShape: INPUT[name], seed: 1 })), source: 'core preset' };
    } catch (err) {
      return { model: localModel(name), source: `local (core preset failed: ${err.message.split('\n')[0]})` };
    }
  }
  return { model: localModel(name), source: 'local (core presets not built)' };
}

/**
 * The step's loss: core's cross-entropy on probabilities (the trainer's, one differentiable op) when the built core
 * has it, else the same formula in tfjs ops. The presets end in softmax, as model.fit with categoricalCrossentropy.
 */
function lossOf(core) {
  if (typeof core.labelSmoothingCrossEntropy === 'function') return { loss: core.labelSmoothingCrossEntropy({ epsilon: 0 }), lossSource: "core's cross-entropy" };
  return { loss: (y, p) => tf.neg(tf.mean(tf.sum(tf.mul(y, tf.log(tf.add(p, 1e-7))), -1))), lossSource: 'tfjs ops' };
}

function trainingStep({ model, optimizer, x, y, loss }) {
  optimizer.minimize(() => tf.tidy(() => loss(y, model.apply(x, { training: true }))), false);
}

function measure(core, name, batch, seconds, maxSteps = Infinity) {
  const { model, source } = makeModel(core, name);
  const optimizer = tf.train.sgd(0.01);
  const x = tf.randomNormal([batch, ...INPUT[name]]);
  const y = tf.oneHot(tf.randomUniform([batch], 0, 10, 'int32'), 10);
  const run = { model, optimizer, x, y, ...lossOf(core) };
  const warmup = Math.min(2, maxSteps);
  for (let i = 0; i < warmup; i++) trainingStep(run);
  let steps = 0;
  const start = performance.now();
  while (steps < Math.min(5, maxSteps) || (performance.now() - start < seconds * 1000 && steps < maxSteps)) {
    trainingStep(run);
    steps++;
  }
  const ms = (performance.now() - start) / steps;
  return { ...run, source, msPerStep: ms, samplesPerSec: (batch * 1000) / ms, steps };
}

function disposeRun(r) {
  tf.dispose([r.x, r.y]);
  r.optimizer.dispose();
  r.model.layers.forEach((l) => l.dispose());
}

async function profileStep(r) {
  const info = await tf.profile(() => trainingStep(r));
  const byKernel = new Map();
  for (const k of info.kernels) byKernel.set(k.name, (byKernel.get(k.name) ?? 0) + Number(k.kernelTimeMs));
  return [...byKernel].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([kernel, ms]) => ({ kernel, ms: Math.round(ms * 10) / 10 }));
}

/**
 * Starts compute_torch.py --serve (torch on OpenBLAS, one thread) and returns { available, info, measure, close }
 * or { available: false, note } saying why there is no anchor.
 */
async function startTorchAnchor(log) {
  const missing = ensureTorchOnOpenBlas(log);
  if (missing) return { available: false, note: `no PyTorch anchor: ${missing}` };
  const child = spawn(python, [`${here}compute_torch.py`, '--serve'], { env: anchorEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const readLine = async () => {
    const { value, done } = await lines.next();
    if (done) throw new Error(`compute_torch.py exited: ${stderr.trim().split('\n').pop()}`);
    return JSON.parse(value);
  };
  const close = () => {
    child.stdin.end();
    child.kill();
  };
  let info;
  try {
    info = await readLine();
  } catch (err) {
    close();
    return { available: false, note: err.message };
  }
  if (!isOpenBlasAnchor(info.blas)) {
    close();
    return { available: false, note: `torch ran on ${info.blas?.library} (libblas.so.3 -> ${systemBlas()}), not OpenBLAS: not an anchor`, blas: info.blas };
  }
  const measure = async (preset, batch, seconds) => {
    child.stdin.write(`${JSON.stringify({ preset, batch, seconds })}\n`);
    return (await readLine()).samplesPerSec;
  };
  return { available: true, info, measure, close };
}

export async function run(args) {
  const opts = parseArgs(args);
  const core = await import('@tensorfleet/core');
  const log = opts.json ? () => {} : (line) => console.error(line);
  const loadBefore = loadavg();
  const torch = await startTorchAnchor(log);
  try {
    const report = await measureAll(core, opts, torch, log);
    report.machine = { cores: availableParallelism(), loadavgBefore: loadBefore.map(round2), loadavgAfter: loadavg().map(round2) };
    if (opts.json) console.log(JSON.stringify(report));
    else printTable(report);
  } finally {
    if (torch.available) torch.close();
  }
}

const round2 = (v) => Math.round(v * 100) / 100;

/** Which of the wanted backends selectBackend really gives (the others become 'not available' rows). */
async function availableBackends(core, opts, rows, log) {
  const available = [];
  for (const wanted of opts.backends) {
    const choice = await core.selectBackend({ preferred: wanted, threads: opts.threads, log: () => {} });
    const got = choice.selected ?? choice.name;
    if (got !== wanted) {
      rows.push({ backend: wanted, available: false, note: choice.reason });
      log(`${wanted}: not available (${choice.reason})`);
      continue;
    }
    log(`backend ${got}: ${choice.reason}`);
    available.push(got);
  }
  return available;
}

async function measureAll(core, opts, torch, log) {
  const rows = [];
  const profiles = {};
  let memory;
  const backends = await availableBackends(core, opts, rows, log);
  let nativeThreads;
  const torchRuns = {};
  for (const name of opts.presets) {
    const runs = new Map(backends.map((b) => [b, []]));
    torchRuns[name] = [];
    for (let round = 0; round < opts.rounds; round++) {
      if (torch.available) {
        torchRuns[name].push(await torch.measure(name, opts.batch, opts.seconds));
        log(`  ${name}: torch ${torchRuns[name].at(-1).toFixed(0)} samples/s (round ${round + 1})`);
      }
      for (const backend of backends) {
        if (backend === 'cpu' && (round > 0 || !CPU_PRESETS.has(name))) continue; // minutes per step: one short round
        await core.selectBackend({ preferred: backend, threads: opts.threads, log: () => {} });
        if (backend === 'native') nativeThreads = (await core.loadNativeKernels(opts.threads)).info().threads;
        const r = measure(core, name, opts.batch, backend === 'cpu' ? 0 : opts.seconds, backend === 'cpu' ? 2 : Infinity);
        runs.get(backend).push(r);
        log(`  ${name}: ${backend} ${r.samplesPerSec.toFixed(0)} samples/s (${r.msPerStep.toFixed(1)} ms/step, ${r.steps} steps, round ${round + 1})`);
        const last = round === opts.rounds - 1 || backend === 'cpu';
        if (last && opts.profile && (backend === 'wasm' || backend === 'native')) profiles[`${name} (${backend})`] = await profileStep(r);
        if (last && opts.memorySteps > 0 && backend === 'wasm' && name === 'mnist-small-cnn') memory = memoryRun(r, opts.memorySteps);
        disposeRun(r);
      }
    }
    const torchBest = torchRuns[name].length ? Math.max(...torchRuns[name]) : undefined;
    for (const backend of backends) {
      const measured = runs.get(backend);
      if (measured.length === 0) {
        rows.push({ preset: name, backend, available: true, skipped: 'cpu backend too slow for this preset' });
        continue;
      }
      const best = measured.reduce((a, b) => (b.samplesPerSec > a.samplesPerSec ? b : a));
      rows.push({
        preset: name, input: INPUT[name], batch: opts.batch, backend, samplesPerSec: best.samplesPerSec, msPerStep: best.msPerStep, steps: best.steps,
        rounds: measured.map((r) => r.samplesPerSec), model: best.source, loss: best.lossSource,
        ...(torchBest === undefined ? {} : { torch1Thread: torchBest, ratio: best.samplesPerSec / torchBest }),
      });
    }
  }
  return {
    suite: 'compute', batch: opts.batch, threads: opts.threads, rounds: opts.rounds, ...(nativeThreads === undefined ? {} : { nativeThreads }),
    torch: torch.available ? { version: torch.info.torch, threads: torch.info.threads, blas: torch.info.blas, runs: torchRuns } : { available: false, note: torch.note },
    rows, ...(memory ? { memory } : {}), ...(opts.profile ? { profiles } : {}),
  };
}

/** Steps `steps` more times and compares tf.memory() and the backend's buffer count with the state after 10. */
function memoryRun(r, steps) {
  const snapshot = () => ({ numTensors: tf.memory().numTensors, numBytes: tf.memory().numBytes, dataBuffers: tf.backend().numDataIds() });
  for (let i = 0; i < 10; i++) trainingStep(r);
  const after10 = snapshot();
  for (let i = 10; i < steps; i++) trainingStep(r);
  const end = snapshot();
  return { steps, after10, end, flat: after10.numTensors === end.numTensors && after10.numBytes === end.numBytes && after10.dataBuffers === end.dataBuffers };
}

function printTable(report) {
  const pad = (s, n) => String(s).padEnd(n);
  const num = (v) => (v === undefined ? '-' : v.toFixed(0));
  console.log(`\ntraining samples/s, batch ${report.batch} (forward + backward + SGD step)`);
  console.log(report.torch.version ? `PyTorch ${report.torch.version} on ${report.torch.blas.library} (${report.torch.blas.threads} OpenBLAS thread), torch.set_num_threads(${report.torch.threads})` : report.torch.note);
  const m = report.machine;
  console.log(`machine: ${m.cores} cores, load average (1/5/15 min) ${m.loadavgBefore.join(' ')} before, ${m.loadavgAfter.join(' ')} after`);
  console.log(`torch and ours alternate per preset, ${report.rounds} round(s) each; each side counts at its best round`);
  if (report.torch.runs) console.log(`torch rounds: ${Object.entries(report.torch.runs).map(([p, v]) => `${p} ${v.map((x) => x.toFixed(0)).join('/')}`).join(', ')} samples/s`);
  console.log(`ours: native = wasm backend with @tensorfleet/native's kernels on ${report.nativeThreads ?? report.threads} thread(s) (addon's own count); wasm = wasm alone (1 thread)`);
  console.log(`${pad('preset', 17)}${pad('input', 10)}${pad('backend', 12)}${pad('samples/s', 11)}${pad('torch 1T', 10)}${pad('ours/torch', 11)}model`);
  for (const r of report.rows) {
    if (r.available === false) {
      console.log(`${pad('-', 17)}${pad('-', 10)}${pad(r.backend, 12)}not available: ${r.note}`);
      continue;
    }
    if (r.skipped) {
      console.log(`${pad(r.preset, 17)}${pad(INPUT[r.preset].join('x'), 10)}${pad(r.backend, 12)}skipped: ${r.skipped}`);
      continue;
    }
    const rounds = r.rounds.length > 1 ? ` (rounds ${r.rounds.map((v) => v.toFixed(0)).join('/')})` : '';
    console.log(`${pad(r.preset, 17)}${pad(r.input.join("x"), 10)}${pad(r.backend, 12)}${pad(num(r.samplesPerSec), 11)}${pad(num(r.torch1Thread), 10)}${pad(r.ratio === undefined ? "-" : `${r.ratio.toFixed(2)}x`, 11)}${r.model}, ${r.loss}${rounds}`);
  }
  if (report.memory) {
    const mem = report.memory;
    console.log(`\nmemory over ${mem.steps} wasm steps (mnist-small-cnn): after 10 ${JSON.stringify(mem.after10)}, end ${JSON.stringify(mem.end)} -> ${mem.flat ? 'flat' : 'GROWING'}`);
  }
  for (const [name, kernels] of Object.entries(report.profiles ?? {})) {
    console.log(`\nkernel ms for one ${name} step: ${kernels.map((k) => `${k.kernel} ${k.ms}`).join(', ')}`);
  }
}
