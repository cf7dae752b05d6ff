import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EpochLine } from '@tensorfleet/protocol';
import { epochBucketWidth, maxEpochPoints, type WorkerEpochTimes } from '@tensorfleet/ps';
import type { RunReportData } from './run-report-data.js';
import { runCharts } from './run-charts.js';

function report(epochCount: number, workers: number): RunReportData {
  const epochs = Array.from({ length: epochCount }, (_, epoch) => ({ epoch, loss: 1 / (epoch + 1), valLoss: null, accuracy: 0.5, valAccuracy: null, lr: 0.1, samplesPerSec: 100 }) as unknown as EpochLine);
  const width = epochBucketWidth(epochCount);
  const workerEpochs: WorkerEpochTimes[] = [];
  for (let epoch = 0; epoch < epochCount; epoch += width) {
    for (let rank = 0; rank < workers; rank++) {
      workerEpochs.push({ epoch, lastEpoch: Math.min(epochCount, epoch + width) - 1, rank, name: `w${rank}`, host: 'h', steps: 1, computeMs: 10 + rank, commMs: 1 });
    }
  }
  return {
    runId: 'r', config: {}, environment: { backend: 'wasm', workers, hosts: ['h'], consistency: 'sync', psUrl: '', metricsUrl: null, node: '', platform: '', startedAt: 0 },
    epochs, workerEpochs, workers: [], test: null, state: 'running', updatedAt: 0,
  };
}
const rowsOf = (data: RunReportData, id: string) =>
  (runCharts(data).find((c) => c.id === id)!.chart.spec!.data as { values: Record<string, unknown>[] }).values;

test('a long run draws at most maxEpochPoints points per series, each the mean of its bucket at the bucket\'s last epoch', () => {
  const data = report(1000, 2);
  const loss = rowsOf(data, 'loss');
  assert.equal(loss.length, Math.ceil(1000 / epochBucketWidth(1000)));
  assert.ok(loss.length <= maxEpochPoints);
  assert.equal(loss[0]!.epoch, epochBucketWidth(1000), 'drawn at the last epoch of the bucket (1-based)');
  const expected = [...Array(epochBucketWidth(1000)).keys()].reduce((s, e) => s + 1 / (e + 1), 0) / epochBucketWidth(1000);
  assert.ok(Math.abs((loss[0]!.value as number) - expected) < 1e-12);
  assert.match(runCharts(data).find((c) => c.id === 'loss')!.chart.note!, /mean over up to 8 epochs/);
  assert.equal(runCharts(report(20, 2)).find((c) => c.id === 'loss')!.chart.note, undefined, 'a short run: one point per epoch, no note');
});

test('up to 8 workers get a line each; more get three: the fastest, the mean and the slowest worker', () => {
  const few = rowsOf(report(10, 8), 'worker-times');
  assert.equal(new Set(few.map((r) => r.worker)).size, 8);
  const many = rowsOf(report(10, 32), 'worker-times');
  assert.deepEqual([...new Set(many.map((r) => r.worker))], ['fastest worker', 'mean of the workers', 'slowest worker']);
  assert.equal(many.length, 10 * 2 * 3);
  const epoch1 = many.filter((r) => r.epoch === 1 && r.kind === 'compute').map((r) => r.ms);
  assert.deepEqual(epoch1, [10, 10 + 31 / 2, 41]);
});
