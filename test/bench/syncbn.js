// `npm run bench -- syncbn [--workers W] [--steps N] [--calls N] [--preset P] [--json]`: the per-step cost of true
// SyncBN against local BN. (1) The blocking allreduce alone: W threads, each through its communication thread and the
// parameter server's collective hub, N calls of a BN layer's forward payload (2C+1 floats). (2) Training steps of a
// preset with BN (wasm backend, W worker threads, in-process PS): local vs sync, compute/comm ms per step and wall.
// SyncBN costs 2 allreduce round trips per BN layer per step (forward [Σx, Σx², n], backward [Σdy, Σdy·x̂]).
import { Worker } from 'node:worker_threads';
import pino from 'pino';
import { presetSpec } from '@tensorfleet/core';
import { createProtocolServer } from '@tensorfleet/protocol';
import { CollectiveHub, startParameterServer } from '@tensorfleet/ps';

const token = 'bench-syncbn';
const silent = pino({ level: 'silent' });

function arg(args, name, fallback) {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
}

const collectiveThread = `
const { parentPort, workerData } = require('node:worker_threads');
(async () => {
  const { openBlockingCollective } = await import('@tensorfleet/protocol');
  const { url, rank, calls, size } = workerData;
  const c = await openBlockingCollective({ url, token: '${token}', rank, runId: 'bench', timeoutMs: 10000 });
  const values = new Float32Array(size).fill(rank + 1);
  c.beginStep(0);
  c.allreduceSum(values); // warm-up
  const t0 = performance.now();
  for (let i = 0; i < calls; i++) { c.beginStep(i + 1); c.allreduceSum(values); }
  const ms = (performance.now() - t0) / calls;
  await c.close();
  parentPort.postMessage(ms);
})();`;

async function allreduceLatency(W, calls, size) {
  const server = await createProtocolServer({ token, maxPayload: 1 << 20 });
  const hub = new CollectiveHub(W, silent);
  server.on('peer', (peer) => hub.attach(peer.hello.rank, peer));
  const ms = await Promise.all(
    Array.from({ length: W }, (_, rank) => new Promise((resolve, reject) => {
      const w = new Worker(collectiveThread, { eval: true, workerData: { url: server.url, rank, calls, size } });
      w.once('message', resolve);
      w.once('error', reject);
    })),
  );
  await server.close();
  return ms.reduce((a, b) => a + b, 0) / W;
}

const workerThread = `
const { parentPort, workerData } = require('node:worker_threads');
(async () => {
  const { runWorker } = await import('@tensorfleet/worker');
  const pino = (await import('pino')).default;
  parentPort.postMessage(await runWorker({ ...workerData, logger: pino({ level: 'silent' }) }));
})();`;

async function trainingSteps(preset, bn, W, steps) {
  const model = presetSpec(preset, { bn: true, seed: 1 });
  const job = {
    model, dataset: { source: 'mnist-digits', split: { ratios: [0.8, 0.1, 0.1], seed: 1 } }, batchSize: 32, epochs: 1, dataSeed: 1,
    maxStepsPerEpoch: steps, evaluateVal: false, evaluateTest: false, bn,
  };
  const ps = await startParameterServer({ token, workers: W, job, scheduler: null, logger: silent });
  const workers = Array.from({ length: W }, (_, i) => new Promise((resolve, reject) => {
    const w = new Worker(workerThread, { eval: true, workerData: { psUrl: ps.url, token, name: `w${i}`, backend: 'wasm' } });
    w.once('message', resolve);
    w.once('error', reject);
  }));
  const [summary, ...ws] = await Promise.all([ps.done, ...workers]);
  const mean = (key) => ws.reduce((s, w) => s + w[key], 0) / W;
  const bnLayers = model.layers.filter((l) => l.type === 'batchNorm').length;
  return {
    preset, bn, workers: W, steps, bnLayers, roundTripsPerStep: bn === 'sync' ? 2 * bnLayers : 0,
    computeMsPerStep: mean('computeMsPerStep'), commMsPerStep: mean('commMsPerStep'), wallMsPerStep: (summary.epochs[0].seconds * 1000) / steps,
  };
}

export async function run(args) {
  const W = Number(arg(args, '--workers', 2));
  const steps = Number(arg(args, '--steps', 10));
  const calls = Number(arg(args, '--calls', 200));
  const preset = arg(args, '--preset', 'mnist-small-cnn');
  const results = { allreduce: [], training: [] };
  for (const channels of [16, 32, 128]) {
    const ms = await allreduceLatency(W, calls, 2 * channels + 1);
    results.allreduce.push({ workers: W, floats: 2 * channels + 1, msPerCall: ms });
  }
  for (const bn of ['local', 'sync']) results.training.push(await trainingSteps(preset, bn, W, steps));
  if (args.includes('--json')) {
    console.log(JSON.stringify(results));
    return;
  }
  for (const r of results.allreduce) console.log(`allreduce W=${r.workers} ${r.floats} floats: ${r.msPerCall.toFixed(3)} ms per blocking call (one round trip via the PS)`);
  for (const r of results.training) {
    console.log(
      `${r.preset} W=${r.workers} bn=${r.bn}: ${r.roundTripsPerStep} collective round trips/step (${r.bnLayers} BN layers), ` +
        `compute ${r.computeMsPerStep.toFixed(1)} ms/step (includes SyncBN waits), comm ${r.commMsPerStep.toFixed(1)} ms/step, wall ${r.wallMsPerStep.toFixed(1)} ms/step`,
    );
  }
}
