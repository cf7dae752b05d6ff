// Shared by the elastic tests: a log-capturing logger, the worker process script, and the sample-accounting check.
import assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { loadDatasetSpec, shardIndices } from '@tensorfleet/core';
import type { TrainJobSpec } from '@tensorfleet/protocol';
import { token } from './cluster.test-util.js';

export const workerScript = fileURLToPath(new URL('./elastic-worker.test-util.js', import.meta.url));

/** Worker processes of a test (real processes: a SIGKILL mid-step is the fault under test). */
export function workerProcesses() {
  const children: ChildProcess[] = [];
  const stderr: string[] = [];
  const spawn = (url: string, name: string) => {
    const child = fork(workerScript, [url, name], { env: { ...process.env, TF_ELASTIC_TOKEN: token }, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    child.stderr!.setEncoding('utf8').on('data', (d: string) => stderr.push(d));
    children.push(child);
    return child;
  };
  return { children, stderr, spawn, killAll: () => children.forEach((c) => c.kill('SIGKILL')) };
}

/** A pino logger whose JSON lines land in `lines`. */
export function capture(lines: Record<string, any>[]) {
  const stream = new Writable({ write(chunk, _e, cb) { for (const l of String(chunk).split('\n')) if (l) lines.push(JSON.parse(l)); cb(); } });
  return pino({ level: 'debug' }, stream);
}

/** From the PS logs: within each epoch, the samples of the applied steps (by member rank, world size, batch) are distinct. */
export function checkSamples(lines: Record<string, any>[], job: TrainJobSpec): void {
  const applied = lines.filter((l) => l.msg === 'step applied');
  const memberships = lines.filter((l) => l.msg === 'epoch membership');
  const data = loadDatasetSpec(job.dataset);
  const epochLines = lines.filter((l) => l.msg === 'epoch');
  for (const m of memberships) {
    const seen = new Set<number>();
    let samples = 0;
    for (const l of applied.filter((a) => a.epoch === m.epoch)) {
      const k = l.step - m.step;
      for (const rank of l.ranks as number[]) {
        const shard = shardIndices({ count: data.train.count, rank, worldSize: m.worldSize, epoch: m.epoch, seed: job.dataSeed });
        for (const index of shard.subarray(k * job.batchSize, (k + 1) * job.batchSize)) {
          assert.ok(!seen.has(index), `epoch ${m.epoch}: sample ${index} counted twice`);
          seen.add(index);
        }
      }
      samples += l.samples;
    }
    assert.equal(seen.size, samples, `epoch ${m.epoch}: logged samples equal the distinct samples`);
    assert.equal(epochLines.find((e) => e.epoch === m.epoch)!.samples, samples, `epoch ${m.epoch}: the epoch line's sample count`);
  }
}
