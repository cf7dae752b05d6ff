import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { buildModel, createOptimizer, createTrainer, presetSpec } from '@tensorfleet/core';
import { readLatestCheckpoint, writeCheckpoint } from './checkpoint.js';
import { STOCK_LAYER_CLASSES } from './keras-export.js';

test('checkpoint: stock-tfjs-loadable model, exact state round trip, atomic pointer, pruning', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tf-ckpt-'));
  try {
    const spec = presetSpec('mnist-small-cnn', { seed: 3, l2: 5e-4 });
    const model = buildModel(spec);
    const trainer = createTrainer(model);
    const params = trainer.getParameters();
    // non-trivial BN moving stats, so the test sees whether they land in the file
    const states = trainer.getStates().map((s, i) => s.map((_, j) => 0.5 + i + j / 100));
    trainer.setStates(states);
    const optimizer = createOptimizer('sgd', params, { lr: 0.1, momentum: 0.9 });
    optimizer.step(params.map((p) => p.map((_, j) => (j % 7) / 10)));
    trainer.setParameters(params);
    const normalization = { mean: [0.13], std: [0.31] };
    const state = (step: number) => ({
      runId: 'r1', step, epoch: 1, dataSeed: 4, parameters: params, states, optimizer: optimizer.stateDict(), scheduler: null, history: [{ epoch: 0 }],
    });
    await writeCheckpoint(dir, model, normalization, state(10), 1);
    const path = await writeCheckpoint(dir, model, normalization, state(20), 1);
    assert.deepEqual(readdirSync(dir).sort(), ['ckpt-000000020', 'latest.json'], 'older pruned, no temp files left');

    const modelJson = JSON.parse(readFileSync(join(path, 'model.json'), 'utf8'));
    for (const layer of modelJson.modelTopology.config.layers) {
      assert.ok(STOCK_LAYER_CLASSES.has(layer.class_name), `layer class ${layer.class_name} is stock tfjs`);
      assert.equal(layer.config.kernel_regularizer ?? null, null);
    }
    assert.deepEqual(modelJson.userDefinedMetadata.normalization, normalization);
    const weights = readFileSync(join(path, 'weights.bin'));
    const loaded = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: modelJson.modelTopology,
        weightSpecs: modelJson.weightsManifest[0].weights,
        weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
      }),
    );
    const x = tf.randomUniform([3, 28, 28, 1], 0, 1, 'float32', 1);
    const expected = (model.predict(x) as tf.Tensor).arraySync() as number[][];
    const got = (loaded.predict(x) as tf.Tensor).arraySync() as number[][];
    got.flat().forEach((v, i) => assert.ok(Math.abs(v - expected.flat()[i]!) < 1e-5, `prediction ${i}: ${v} vs ${expected.flat()[i]}`));

    const back = readLatestCheckpoint(dir)!;
    assert.equal(back.path, path);
    assert.equal(back.state.step, 20);
    back.state.parameters.forEach((p, i) => assert.deepEqual(Array.from(p), Array.from(params[i]!)));
    back.state.states.forEach((s, i) => assert.deepEqual(Array.from(s), Array.from(states[i]!)));
    const restored = createOptimizer('sgd', params.map((p) => new Float32Array(p)), { lr: 0.5 });
    restored.loadStateDict(back.state.optimizer);
    assert.equal(restored.lr, 0.1);
    tf.dispose([x]);
    loaded.dispose();
    model.dispose();
    assert.equal(readLatestCheckpoint(join(dir, 'missing')), null);
    assert.ok(!existsSync(join(dir, 'latest.json.tmp-' + process.pid)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
