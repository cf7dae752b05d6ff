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
    [{ ...minimal, space: { 'optimizer.lrr': [0.1] } }, /space\.optimizer\.lrr: optimizer: Unrecognized key: "lrr"/],
    [{ ...minimal, base: { dropout: 0.5 } }, /base: \(top level\): Unrecognized key: "dropout"/],
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

test('trial configs are checked against the train config schema, all problems at once, before any trial', () => {
  const raw = {
    ...minimal,
    base: { optimizer: { name: 'sgd', lr: -1 }, data: { source: { idx: { images: 'train-images.idx', labels: 'train-labels.idx' } } } },
    space: { 'scheduler.name': ['none', 'cosine'], consistency: ['sync', 'bogus'] },
  };
  assert.throws(() => parseStudySpec(raw, 'toy.yaml'), (err: Error) => {
    assert.match(err.message, /base: optimizer\.lr: Too small/);
    assert.match(err.message, /space\.scheduler\.name = "cosine": scheduler\.tMax: /); // cosine needs tMax
    assert.match(err.message, /space\.consistency = "bogus": consistency: expected "sync", "async" or "ssp:S"/);
    return true;
  });
});

test('a study may base its trials on an IDX source and a model spec, and search consistency and the scheduler', () => {
  const spec = parseStudySpec({
    ...minimal,
    base: {
      data: { source: { idx: { images: 'train-images.idx', labels: 'train-labels.idx' } } },
      model: { spec: 'model.json' },
    },
    space: {
      consistency: ['sync', 'async', 'ssp:2'],
      scheduler: [{ name: 'reduceLROnPlateau', patience: 1 }, { name: 'step', stepSize: 2, gamma: 0.5 }, { name: 'none' }],
    },
  });
  assert.deepEqual(parameterKinds(spec.space).get('consistency'), 'grid');
});
