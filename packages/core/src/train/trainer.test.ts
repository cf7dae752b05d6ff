import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { assertClose, loadFixture } from '../testing/index.js';
import { buildModel } from '../models/index.js';
import type { LayerSpec } from '../models/index.js';
import { createTrainer } from './index.js';

await tf.setBackend('cpu');

interface StepCase {
  name: string; labelSmoothing: number; formula: 'uniform' | 'seed'; l1: number; l2: number; bn: boolean;
  inputShape: [number, number]; x: number[]; labels: number[];
  parameterNames: string[]; parameters: number[][]; loss: number; grads: number[][];
  initialStates?: number[][]; states?: number[][];
}
const { cases } = loadFixture<{ cases: StepCase[] }>('train/train_step.json');

function tinyMlp(c: StepCase, regularizerOnModel: boolean): tf.LayersModel {
  const layers: LayerSpec[] = c.bn
    ? [{ type: 'dense', units: 5, useBias: false }, { type: 'batchNorm', momentum: 0.1 }, { type: 'relu' }]
    : [{ type: 'dense', units: 5 }, { type: 'relu' }];
  layers.push({ type: 'dense', units: 4 }, { type: 'softmax' });
  const regularizer = regularizerOnModel ? { l1: c.l1, l2: c.l2 } : undefined;
  return buildModel({ inputShape: [c.inputShape[1]], numClasses: 4, layers, ...(regularizer ? { regularizer } : {}) });
}

for (const c of cases) {
  // The seed-formula case carries its penalties on the model (kernelRegularizer); the others pass them to the trainer.
  const onModel = c.name === 'seed-l1l2';
  test(`computeGradients matches torch: ${c.name} (penalty ${onModel ? 'on the model' : 'from the trainer'})`, () => {
    const model = tinyMlp(c, onModel);
    const trainer = createTrainer(model, {
      labelSmoothing: c.labelSmoothing,
      smoothingFormula: c.formula,
      ...(onModel ? {} : { regularizer: { l1: c.l1, l2: c.l2 } }),
    });
    assert.deepEqual(trainer.parameterNames, c.parameterNames);
    trainer.setParameters(c.parameters.map((p) => new Float32Array(p)));
    if (c.initialStates) trainer.setStates(c.initialStates.map((s) => new Float32Array(s)));
    const x = tf.tensor2d(c.x, c.inputShape);
    const labels = tf.tensor1d(c.labels, 'int32');
    const before = trainer.getParameters();
    const { loss, grads } = trainer.computeGradients(x, labels);
    assertClose(loss, c.loss, { label: 'loss' });
    grads.forEach((g, i) => assertClose(g, c.grads[i]!, { label: `grad ${c.parameterNames[i]}`, atol: 1e-7 }));
    // The step computes gradients only; the parameters stay as they were.
    trainer.getParameters().forEach((p, i) => assert.deepEqual(p, before[i]));
    if (c.states) {
      assert.deepEqual(trainer.stateNames, ['batchNorm_1/moving_mean', 'batchNorm_1/moving_variance']);
      trainer.getStates().forEach((s, i) => assertClose(s, c.states![i]!, { label: `state ${trainer.stateNames[i]}` }));
    }
    tf.dispose([x, labels]);
    model.dispose();
  });
}

test('setParameters and setStates copy their arrays: changing them afterwards leaves the model as set (cpu keeps what tf.tensor gets)', () => {
  const model = buildModel({ inputShape: [3], numClasses: 2, layers: [{ type: 'dense', units: 2, useBias: false }, { type: 'batchNorm', momentum: 0.1 }, { type: 'softmax' }] });
  const trainer = createTrainer(model);
  const params = trainer.getParameters().map((p) => p.map((_, i) => i + 1));
  const states = trainer.getStates().map((s) => s.map((_, i) => 0.5 + i));
  trainer.setParameters(params);
  trainer.setStates(states);
  const expected = { params: params.map((p) => [...p]), states: states.map((s) => [...s]) };
  params.forEach((p) => p.fill(-7)); // what a reused read buffer's next frame does
  states.forEach((s) => s.fill(-7));
  assert.deepEqual(trainer.getParameters().map((p) => [...p]), expected.params);
  assert.deepEqual(trainer.getStates().map((s) => [...s]), expected.states);
});
