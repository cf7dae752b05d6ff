// `npm run bench -- finetune [--preset P] [--batch B] [--steps N] [--backend B] [--json]`: what freezing buys a worker.
// One training step (core trainer: forward + backward, gradients copied out) of a preset with nothing frozen against the
// same model with `init.freeze: all-but-head` (frozen layers are not differentiated and their BatchNorm runs on its
// running statistics), measured side by side in one process on the same batches; prints ms per step and the ratio.
import * as tf from '@tensorflow/tfjs';
import { buildModel, createTrainer, frozenLayerNames, presetSpec, selectBackend } from '@tensorfleet/core';

function arg(args, name, fallback) {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
}

function stepMs(spec, frozen, x, labels, steps) {
  const model = buildModel(spec);
  const trainer = createTrainer(model, { frozen });
  trainer.computeGradients(x, labels); // warm-up: kernels compiled, buffers allocated
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) trainer.computeGradients(x, labels);
  const ms = (performance.now() - t0) / steps;
  trainer.dispose();
  model.dispose();
  return ms;
}

export async function run(args) {
  const preset = arg(args, '--preset', 'mnist-small-cnn');
  const batch = Number(arg(args, '--batch', '32'));
  const steps = Number(arg(args, '--steps', '20'));
  const backend = await selectBackend({ preferred: arg(args, '--backend', 'auto') });
  const spec = presetSpec(preset, { seed: 1, numClasses: 10, ...(preset === 'seed-convnet' ? { inputShape: [32, 32, 3] } : {}) });
  const x = tf.randomNormal([batch, ...spec.inputShape], 0, 1, 'float32', 1);
  const labels = tf.tensor1d(Array.from({ length: batch }, (_, i) => i % 10), 'int32');
  const frozen = frozenLayerNames(spec, 'all-but-head');
  // Alternate the two so that a slower or faster spell of a shared machine hits both alike.
  const full = [];
  const tuned = [];
  for (let round = 0; round < 3; round++) {
    full.push(stepMs(spec, [], x, labels, steps));
    tuned.push(stepMs(spec, frozen, x, labels, steps));
  }
  tf.dispose([x, labels]);
  const median = (v) => [...v].sort((a, b) => a - b)[1];
  const result = {
    preset, batch, steps, backend: backend.name, frozenLayers: frozen.length,
    fullMsPerStep: median(full), frozenMsPerStep: median(tuned), speedup: median(full) / median(tuned),
  };
  if (args.includes('--json')) {
    console.log(JSON.stringify(result));
    return;
  }
  console.log(`${preset}, batch ${batch}, ${backend.name} backend, median of 3 rounds of ${steps} steps`);
  console.log(`  nothing frozen          ${result.fullMsPerStep.toFixed(1)} ms/step`);
  console.log(`  all-but-head frozen     ${result.frozenMsPerStep.toFixed(1)} ms/step  (${frozen.length} layers)`);
  console.log(`  ratio                   ${result.speedup.toFixed(2)}x`);
}
