import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadStudySpec, parseStudySpec, StudySpecError } from './load.js';
import { parameterKinds } from './space.js';

const minimal = {
  name: 'toy',
  objective: { metric: 'valAccuracy' },
  budget: { trials: 4, maxEpochs: 3 },
  space: { 'optimizer.lr': { type: 'loguniform', low: 1e-4, high: 1e-1 } },
};

test('a minimal spec gets its defaults (random, FIFO, 1 worker, max mode for accuracy)', () => {
  const spec = parseStudySpec(minimal);
  assert.equal(spec.searcher, 'random');
  assert.equal(spec.scheduler.name, 'fifo');
  assert.deepEqual(spec.resources, { workers: 1, gpusPerWorker: 0 });
  assert.deepEqual(spec.objective, { metric: 'valAccuracy', mode: 'max' });
  assert.equal(parseStudySpec({ ...minimal, objective: { metric: 'valLoss' } }).objective.mode, 'min');
});

test('errors name the field, what was expected and what was given', () => {
  const cases: [unknown, RegExp][] = [
    [{ ...minimal, budget: { maxEpochs: 3 } }, /budget\.trials: random search needs budget\.trials/],
    [{ ...minimal, space: { 'optimizer.lr': { type: 'loguniform', low: 0, high: 1 } } }, /space\.optimizer\.lr\.low: loguniform needs low > 0/],
    [{ ...minimal, space: { 'optimizer.lr': { type: 'normal', low: 0, high: 1 } } }, /space\.optimizer\.lr: expected a dimension .* got \{"type":"normal"/],
    [{ ...minimal, space: { 'optimizer.lrr': [0.1] } }, /space\.optimizer\.lrr: "lrr" is not a field of optimizer \(known: name, lr, momentum, weightDecay\)/],
    [{ ...minimal, base: { dropout: 0.5 } }, /base\.dropout: "dropout" is not a train config field/],
    [{ ...minimal, objective: { metric: 'top1' } }, /objective\.metric: /],
    [{ ...minimal, scheduler: { name: 'asha', reductionFactor: 1 } }, /scheduler\.reductionFactor: reductionFactor \(η\) must be greater than 1/],
    [{ ...minimal, scheduler: { name: 'asha', maxEpochs: 9 } }, /scheduler\.maxEpochs: must not exceed budget\.maxEpochs \(3\), got 9/],
    [{ ...minimal, space: { 'model.dropoutFc': { type: 'uniform', low: 0.6, high: 0.4 } } }, /space\.model\.dropoutFc\.high: low must be smaller than high/],
  ];
  for (const [raw, message] of cases) {
    assert.throws(() => parseStudySpec(raw, 'toy.yaml'), (err: Error) => err instanceof StudySpecError && message.test(err.message), `expected ${message}`);
  }
});

test('a custom trial command lifts the train-field check (a simulated trial may read other fields)', () => {
  const spec = parseStudySpec({ ...minimal, base: { sim: { epochMs: 5 } }, trial: { command: ['node', 'sim.js'] } });
  assert.deepEqual(spec.base, { sim: { epochMs: 5 } });
});

test('the example regularization sweep loads, with per-optimizer lr ranges as a conditional space', () => {
  const path = fileURLToPath(new URL('../../examples/regularization-sweep.yaml', import.meta.url));
  const spec = loadStudySpec(path);
  const kinds = parameterKinds(spec.space);
  assert.equal(kinds.get('optimizer.lr'), 'loguniform');
  assert.equal(kinds.get('optimizer.name'), 'choice');
  assert.equal(kinds.get('l2'), 'loguniform');
  assert.equal(spec.scheduler.name, 'asha');
});
