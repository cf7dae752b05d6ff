#!/usr/bin/env node
// A stand-in for `tensorfleet train` that trains nothing: it prints the epoch lines of a known learning curve (see
// curve.ts) in the train command's log format, writes checkpoints and summary.json, and honours --resume, so the
// coordinator can be tested and benchmarked without training. Usage:
//   simulated-trial --config FILE --out DIR [--resume]
// Config fields besides the train config's: sim.epochMs (sleep per epoch, default 50), sim.fail (exit 1 at start).
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { exitCodes, logMessages, runFiles } from '@tensorfleet/protocol';
import { simulatedEpoch, type SimulatedConfig } from './curve.js';

const args = process.argv.slice(2);
const option = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const configPath = option('--config');
const out = option('--out');
if (!configPath || !out) {
  process.stderr.write('usage: simulated-trial --config FILE --out DIR [--resume]\n');
  process.exit(exitCodes.usage);
}
const config = parseYaml(readFileSync(configPath, 'utf8')) as SimulatedConfig & { epochs?: number; sim?: { epochMs?: number; fail?: boolean } };
const epochs = config.epochs ?? 4;
const epochMs = config.sim?.epochMs ?? 50;
const line = (fields: Record<string, unknown>) => process.stdout.write(JSON.stringify({ level: 30, time: Date.now(), pid: process.pid, role: 'ps', run: 'sim', ...fields }) + '\n');

if (config.sim?.fail) {
  process.stderr.write('simulated failure: sim.fail is set\n');
  process.exit(1);
}
const optimizerName = config.optimizer?.name ?? 'sgd';
if (optimizerName !== 'sgd' && optimizerName !== 'adam') {
  process.stderr.write(`invalid configuration: optimizer.name: unknown optimizer ${optimizerName}\n`);
  process.exit(1);
}
const checkpoints = join(out, 'checkpoints');
mkdirSync(checkpoints, { recursive: true });
let startEpoch = 1;
if (args.includes('--resume')) {
  const done = readdirSync(checkpoints).map((f) => /^epoch-(\d+)\.json$/.exec(f)).filter((m) => m !== null).map((m) => Number(m![1]));
  if (done.length) startEpoch = Math.max(...done) + 1;
}
line({ msg: 'start', startEpoch, epochs, cudaVisibleDevices: process.env.CUDA_VISIBLE_DEVICES ?? null, workerGpus: process.env.TENSORFLEET_WORKER_GPUS ?? null });
process.on('SIGTERM', () => {
  line({ msg: 'stopping', reason: 'SIGTERM' });
  process.exit(143);
});

for (let epoch = startEpoch; epoch <= epochs; epoch++) {
  await new Promise((r) => setTimeout(r, epochMs));
  const e = simulatedEpoch(config, epoch);
  line({ msg: logMessages.epoch, epochs, steps: 10, step: epoch * 10, ...e, loss: Number.isFinite(e.loss) ? e.loss : null, valLoss: Number.isFinite(e.valLoss) ? e.valLoss : null, samplesPerSec: 1000, computeMs: 1, commMs: 0 });
  if (!Number.isFinite(e.loss)) {
    line({ level: 50, msg: logMessages.diverged, epoch });
    process.exit(3);
  }
  writeFileSync(join(checkpoints, `epoch-${epoch}.json`), JSON.stringify({ epoch }));
}
const last = simulatedEpoch(config, epochs);
const history = Array.from({ length: epochs }, (_, i) => simulatedEpoch(config, i + 1));
const summaryPath = join(out, runFiles.summary);
writeFileSync(summaryPath, JSON.stringify({ testLoss: last.valLoss, testAccuracy: last.valAccuracy, testTop5: last.valTop5, epochs, wallSeconds: (epochs * epochMs) / 1000, backend: 'simulated', history }));
process.stdout.write(summaryPath + '\n');
