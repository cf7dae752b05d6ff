import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DivergedError, isDivergence, logMessages, metricsCsvColumns, metricsCsvHeader, metricsCsvRow, parseMetricsCsv, readEpochLine, epochMetrics } from './index.js';

const line = {
  level: 30, time: 1, role: 'ps', run: 'r1', msg: logMessages.epoch, epoch: 2, epochs: 10, step: 375, steps: 125, loss: 1.06, accuracy: 0.85,
  valLoss: null, valAccuracy: 0.97, valTop5: 0.99, lr: 0.01, nextLr: 0.001, samplesPerSec: 1234.5, computeMs: 11, commMs: 9,
  seconds: 3.2, consistency: 'ssp:2', samples: 8000, updates: 125, stalenessMax: 0, stalenessMean: 0,
};

test('readEpochLine reads the epoch line, turns JSON null (NaN) back into NaN and ignores other lines', () => {
  const e = readEpochLine(line);
  assert.ok(e);
  assert.equal(e.epoch, 2);
  assert.equal(e.epochs, 10);
  assert.ok(Number.isNaN(e.valLoss));
  assert.equal(e.consistency, 'ssp:2');
  assert.equal(readEpochLine({ ...line, msg: 'checkpoint written' }), null);
  assert.equal(readEpochLine({ msg: 'epoch' }), null);
  const metrics = epochMetrics(e);
  assert.equal(metrics.valAccuracy, 0.97);
  assert.ok(!('epoch' in metrics));
});

test('metrics.csv: a header, one row per epoch, empty cells for non-finite numbers, and it parses back', () => {
  const text = metricsCsvHeader() + metricsCsvRow(readEpochLine(line)!) + metricsCsvRow(readEpochLine({ ...line, epoch: 3, loss: Number.NaN })!);
  const lines = text.trim().split('\n');
  assert.equal(lines.length, 3);
  assert.equal(lines[0]!.split(',').length, metricsCsvColumns.length);
  assert.match(lines[1]!, /^2,375,125,1\.06,0\.85,,0\.97,/);
  const rows = parseMetricsCsv(text);
  assert.equal(rows.length, 2);
  assert.equal(rows[0]!.valAccuracy, 0.97);
  assert.equal(rows[0]!.consistency, 'ssp:2');
  assert.ok(Number.isNaN(rows[1]!.loss));
  assert.equal(rows[1]!.epoch, 3);
});

test('isDivergence: a DivergedError or a message carrying the non-finite code, as it crosses processes', () => {
  assert.equal(isDivergence(new DivergedError('loss is NaN', 3)), true);
  assert.equal(isDivergence('worker local-1: remote-error: server said non-finite: "push".grads[3][0] is NaN'), true);
  assert.equal(isDivergence(new Error('parameter server closed before training finished')), false);
  assert.equal(new DivergedError('x', 4).epoch, 4);
});
