import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, mergeConfig, readConfigFile, resolveTrainConfig } from './load-config.js';

test('an empty configuration is the README default run', () => {
  const c = resolveTrainConfig({});
  assert.equal(c.model.preset, 'mnist-small-cnn');
  assert.equal(c.workers, 2);
  assert.equal(c.optimizer.name, 'sgd');
  assert.equal(c.optimizer.lr, 0.01);
  assert.equal(c.optimizer.momentum, 0.9);
  assert.equal(c.l2, 5e-4);
  assert.equal(c.model.bn, true);
  assert.equal(c.labelSmoothing, 0.1);
  assert.equal(c.scheduler.name, 'reduceLROnPlateau');
  assert.deepEqual(c.data.split, [0.8, 0.1, 0.1]);
  assert.deepEqual(c.data.augment, { randomShift: { x: 2, y: 2, units: 'pixels' } });
  assert.equal(c.epochs, 10);
});

test('bad fields are all named with what was expected', () => {
  assert.throws(
    () => resolveTrainConfig({ workers: 0, optimizer: { lr: -1 }, modle: {} }, 'job.yaml'),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, /job\.yaml/);
      assert.match(err.message, /workers: .*>=\s*1/);
      assert.match(err.message, /optimizer\.lr: /);
      assert.match(err.message, /modle/);
      return true;
    },
  );
});

test('YAML files are read, merged under command-line overrides, and unreadable ones are named', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tf-config-'));
  const file = join(dir, 'job.yaml');
  writeFileSync(file, 'workers: 4\noptimizer:\n  name: adam\n  lr: 0.001\n');
  const merged = mergeConfig(readConfigFile(file), { workers: 3, optimizer: { lr: 0.002 } });
  const c = resolveTrainConfig(merged, file);
  assert.equal(c.workers, 3);
  assert.equal(c.optimizer.name, 'adam');
  assert.equal(c.optimizer.lr, 0.002);
  assert.throws(() => readConfigFile(join(dir, 'missing.yaml')), /cannot read config file .*missing\.yaml/);
  writeFileSync(file, '- a list\n');
  assert.throws(() => readConfigFile(file), /must hold a mapping/);
});
