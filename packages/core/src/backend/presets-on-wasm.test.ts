// Every model preset trains on wasm with the cpu backend's gradients (dropout off so both runs draw nothing random).
// At full size seed-convnet is run on wasm alone and checked for complete, finite gradients.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { buildModel, presetSpec } from '../models/index.js';
import { assertPresetGradientsMatchCpu, gradients, presetGradientCases } from './preset-gradients.js';
import { prepareBackends, randomValues, rng } from './test-support.js';

before(prepareBackends);

describe('presets: one training step on wasm equals cpu', () => {
  for (const [name, inputShape, batch] of presetGradientCases) {
    it(`${name} ${inputShape.join('x')} batch ${batch}`, () => assertPresetGradientsMatchCpu('wasm', name, inputShape, batch));
  }
});

describe('seed-convnet trains on wasm at its real input sizes', () => {
  for (const inputShape of [[28, 28, 1], [32, 32, 3]]) {
    it(`${inputShape.join('x')}: every weight gets a finite, non-zero gradient`, async () => {
      await tf.setBackend('wasm');
      const model = buildModel(presetSpec('seed-convnet', { inputShape, seed: 4 }));
      const shape = [8, ...inputShape];
      const grads = gradients(model, randomValues(rng(9), shape), shape, [0, 1, 2, 3, 4, 5, 6, 7]);
      assert.equal(grads.size, model.trainableWeights.length);
      for (const [weight, g] of grads) {
        assert.ok(g.every(Number.isFinite), `${weight}: non-finite gradient`);
        assert.ok(g.some((v) => v !== 0), `${weight}: all-zero gradient`);
      }
      model.layers.forEach((l) => l.dispose());
    });
  }
});
