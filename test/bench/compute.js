// `npm run bench -- compute [--json] [--presets a,b] [--backends native,wasm,cpu,tensorflow] [--batch 64]
//                           [--seconds 3] [--threads 1] [--memory-steps 500] [--profile]`
// Training samples/s (forward + backward + SGD update, batch of random data) for each model preset on each
// available tfjs backend ('native': wasm with the OpenBLAS kernels of @tensorfleet/native, on --threads threads),
// with PyTorch on OpenBLAS and one thread (torch.set_num_threads(1) and OPENBLAS_NUM_THREADS=1) on the same
// architecture and batch side by side; the bench installs Debian's python3-torch and OpenBLAS when missing (as root)
// and refuses to use a torch run on the reference BLAS as the anchor. Models come from core's presetSpec/buildModel when the
// built core provides them, else from tfjs-layers definitions of the same architectures (the table says which).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { anchorEnv, ensureTorchOnOpenBlas, isOpenBlasAnchor, python, systemBlas } from './lib/torch-anchor.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const INPUT = { mlp: [28, 28, 1], 'mnist-small-cnn': [28, 28, 1], 'seed-convnet': [32, 32, 3] };
const CPU_PRESETS = new Set(['mlp', 'mnist-small-cnn']); // seed-convnet on cpu: minutes per step

function parseArgs(args) {
  const opts = { json: false, presets: Object.keys(INPUT), backends: ['tensorflow', 'native', 'wasm', 'cpu'], batch: 64, seconds: 3, threads: 1, memorySteps: 0, profile: false };
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
    else if (a === '--memory-steps') opts.memorySteps = Number(next());
    else throw new Error(`compute bench: unknown option ${a}`);
  }
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

function trainingStep(model, optimizer, x, y) {
  // The preset ends in softmax: cross-entropy on probabilities, as model.fit with categoricalCrossentropy does.
  optimizer.minimize(() => tf.tidy(() => tf.neg(tf.mean(tf.sum(tf.mul(y, tf.log(tf.add(model.apply(x, { training: true }), 1e-7))), -1)))), false);
}

function measure(core, name, batch, seconds, maxSteps = Infinity) {
  const { model, source } = makeModel(core, name);
  const optimizer = tf.train.sgd(0.01);
  const x = tf.randomNormal([batch, ...INPUT[name]]);
  const y = tf.oneHot(tf.randomUniform([batch], 0, 10, 'int32'), 10);
  const warmup = Math.min(2, maxSteps);
  for (let i = 0; i < warmup; i++) trainingStep(model, optimizer, x, y);
  let steps = 0;
  const start = performance.now();
  while (steps < Math.min(5, maxSteps) || (performance.now() - start < seconds * 1000 && steps < maxSteps)) {
    trainingStep(model, optimizer, x, y);
    steps++;
  }
  const ms = (performance.now() - start) / steps;
  return { model, optimizer, x, y, source, msPerStep: ms, samplesPerSec: (batch * 1000) / ms, steps };
}

function disposeRun(r) {
  tf.dispose([r.x, r.y]);
  r.optimizer.dispose();
  r.model.layers.forEach((l) => l.dispose());
}

async function profileStep(r) {
  const info = await tf.profile(() => trainingStep(r.model, r.optimizer, r.x, r.y));
  const byKernel = new Map();
  for (const k of info.kernels) byKernel.set(k.name, (byKernel.get(k.name) ?? 0) + Number(k.kernelTimeMs));
  return [...byKernel].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([kernel, ms]) => ({ kernel, ms: Math.round(ms * 10) / 10 }));
}

function torchAnchor(presets, batch, seconds, log) {
  const missing = ensureTorchOnOpenBlas(log);
  if (missing) return { available: false, note: `no PyTorch anchor: ${missing}` };
  const args = [`${here}compute_torch.py`, '--presets', presets.join(','), '--batch', String(batch), '--seconds', String(seconds)];
  const run = spawnSync(python, args, { encoding: 'utf8', env: anchorEnv() });
  if (run.status !== 0) return { available: false, note: `compute_torch.py failed: ${run.stderr.trim().split('\n').pop()}` };
  const result = JSON.parse(run.stdout);
  if (!isOpenBlasAnchor(result.blas)) {
    return { available: false, note: `torch ran on ${result.blas?.library} (libblas.so.3 -> ${systemBlas()}), not OpenBLAS: not an anchor`, blas: result.blas };
  }
  return { available: true, ...result };
}

export async function run(args) {
  const opts = parseArgs(args);
  const core = await import('@tensorfleet/core');
  const log = opts.json ? () => {} : (line) => console.error(line);
  const rows = [];
  const profiles = {};
  // The anchor runs before and after ours and counts at its best: other load on the machine (which moves within
  // minutes here) then cannot make ours look faster than it is.
  const torchBefore = torchAnchor(opts.presets, opts.batch, opts.seconds, log);
  let memory;
  for (const wanted of opts.backends) {
    const choice = await core.selectBackend({ preferred: wanted, threads: opts.threads, log: () => {} });
    const got = choice.selected ?? choice.name;
    if (got !== wanted) {
      rows.push({ backend: wanted, available: false, note: choice.reason });
      log(`${wanted}: not available (${choice.reason})`);
      continue;
    }
    log(`backend ${got}: ${choice.reason}`);
    for (const name of opts.presets) {
      if (got === 'cpu' && !CPU_PRESETS.has(name)) {
        rows.push({ preset: name, backend: got, available: true, skipped: 'cpu backend too slow for this preset' });
        continue;
      }
      const r = measure(core, name, opts.batch, got === 'cpu' ? 0 : opts.seconds, got === 'cpu' ? 2 : Infinity);
      const row = { preset: name, input: INPUT[name], batch: opts.batch, backend: got, samplesPerSec: r.samplesPerSec, msPerStep: r.msPerStep, steps: r.steps, model: r.source };
      rows.push(row);
      log(`  ${name}: ${r.samplesPerSec.toFixed(0)} samples/s (${r.msPerStep.toFixed(1)} ms/step, ${r.steps} steps, ${r.source})`);
      if (opts.profile && (got === 'wasm' || got === 'native')) profiles[`${name} (${got})`] = await profileStep(r);
      if (opts.memorySteps > 0 && got === 'wasm' && name === 'mnist-small-cnn') memory = memoryRun(r, opts.memorySteps);
      disposeRun(r);
    }
  }
  const torch = bestOf(torchBefore, torchAnchor(opts.presets, opts.batch, opts.seconds, log));
  for (const row of rows) {
    if (row.samplesPerSec !== undefined && torch.available) {
      row.torch1Thread = torch.results[row.preset];
      row.ratio = row.samplesPerSec / row.torch1Thread;
    }
  }
  const report = { suite: 'compute', batch: opts.batch, threads: opts.threads, torch: torch.available ? { version: torch.torch, threads: torch.threads, blas: torch.blas, runs: torch.runs } : { available: false, note: torch.note }, rows, ...(memory ? { memory } : {}), ...(opts.profile ? { profiles } : {}) };
  if (opts.json) {
    console.log(JSON.stringify(report));
    return;
  }
  printTable(report);
}

/** The faster of two anchor runs per preset (both kept in `runs`), or whichever one ran. */
function bestOf(a, b) {
  if (!a.available || !b.available) return a.available ? a : b;
  const results = Object.fromEntries(Object.keys(a.results).map((k) => [k, Math.max(a.results[k], b.results[k])]));
  return { ...b, results, runs: [a.results, b.results] };
}

/** Steps `steps` more times and compares tf.memory() and the backend's buffer count with the state after 10. */
function memoryRun(r, steps) {
  const snapshot = () => ({ numTensors: tf.memory().numTensors, numBytes: tf.memory().numBytes, dataBuffers: tf.backend().numDataIds() });
  for (let i = 0; i < 10; i++) trainingStep(r.model, r.optimizer, r.x, r.y);
  const after10 = snapshot();
  for (let i = 10; i < steps; i++) trainingStep(r.model, r.optimizer, r.x, r.y);
  const end = snapshot();
  return { steps, after10, end, flat: after10.numTensors === end.numTensors && after10.numBytes === end.numBytes && after10.dataBuffers === end.dataBuffers };
}

function printTable(report) {
  const pad = (s, n) => String(s).padEnd(n);
  const num = (v) => (v === undefined ? '-' : v.toFixed(0));
  console.log(`\ntraining samples/s, batch ${report.batch} (forward + backward + SGD step)`);
  console.log(report.torch.version ? `PyTorch ${report.torch.version} on ${report.torch.blas.library} (${report.torch.blas.threads} OpenBLAS thread), torch.set_num_threads(1)` : report.torch.note);
  if (report.torch.runs) console.log(`torch anchor = the better of a run before and one after ours: ${report.torch.runs.map((run) => Object.values(run).map((v) => v.toFixed(0)).join('/')).join(' and ')} samples/s`);
  console.log(`ours: native = wasm backend with @tensorfleet/native's OpenBLAS kernels on ${report.threads} thread(s); wasm = wasm alone (1 thread)`);
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
    console.log(`${pad(r.preset, 17)}${pad(r.input.join('x'), 10)}${pad(r.backend, 12)}${pad(num(r.samplesPerSec), 11)}${pad(num(r.torch1Thread), 10)}${pad(r.ratio === undefined ? '-' : `${r.ratio.toFixed(2)}x`, 11)}${r.model}`);
  }
  if (report.memory) {
    const m = report.memory;
    console.log(`\nmemory over ${m.steps} wasm steps (mnist-small-cnn): after 10 ${JSON.stringify(m.after10)}, end ${JSON.stringify(m.end)} -> ${m.flat ? 'flat' : 'GROWING'}`);
  }
  for (const [name, kernels] of Object.entries(report.profiles ?? {})) {
    console.log(`\nkernel ms for one ${name} step: ${kernels.map((k) => `${k.kernel} ${k.ms}`).join(', ')}`);
  }
}
