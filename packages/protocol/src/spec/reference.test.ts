import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { configReference } from './reference.js';

const committed = fileURLToPath(new URL('../../../../docs/config.md', import.meta.url));

test('docs/config.md is the reference generated from the schema (regenerate: tensorfleet train --help-config > docs/config.md)', () => {
  assert.equal(readFileSync(committed, 'utf8'), configReference());
});

test('the reference documents every registry entry and every top-level field with its default', () => {
  const text = configReference();
  for (const name of ['sgd', 'adam', 'adamw', 'rmsprop', 'adagrad', 'reduceLROnPlateau', 'step', 'multiStep', 'exponential', 'cosine', 'linear', 'none']) {
    assert.match(text, new RegExp(`### \`name: ${name}\``), name);
  }
  for (const kind of ['mnist-digits', 'idx', 'cifar10', 'csv', 'imageFolder', 'preset', 'spec']) assert.match(text, new RegExp(`### \`${kind}\``), kind);
  assert.match(text, /\| `workers` \| integer ≥ 1, ≤ 64 \| `2` \|/);
  assert.match(text, /\| `optimizer\.nesterov` \| boolean \| `false` \|/);
});
