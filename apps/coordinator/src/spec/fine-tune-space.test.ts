import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseStudySpec } from './load.js';

const study = {
  name: 'fine-tune', objective: { metric: 'valAccuracy' }, budget: { trials: 2, maxEpochs: 1 },
  base: { init: { from: '/runs/base', newHead: true } },
};

test('a study can search init.freeze (layer lists or all-but-head); a bad choice is named before any trial', () => {
  const spec = parseStudySpec({ ...study, space: { 'init.freeze': { type: 'choice', values: ['all-but-head', ['dense_0', 'dense_3']] } } });
  assert.equal(spec.space[0]![0], 'init.freeze');
  assert.throws(
    () => parseStudySpec({ ...study, space: { 'init.freeze': { type: 'choice', values: ['all-but-head', 'head-only'] } } }),
    /space\.init\.freeze = "head-only": init\.freeze: expected a list of layer names or 'all-but-head'/,
  );
});
