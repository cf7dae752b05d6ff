import test from 'node:test';
import assert from 'node:assert/strict';
import { workerEnvironment } from './local-cluster.js';

test('each local worker gets its own GPUs from TENSORFLEET_WORKER_GPUS and the token in its environment', () => {
  const env = { PATH: '/bin', TENSORFLEET_WORKER_GPUS: '0,1;2,3' };
  assert.equal(workerEnvironment(0, 's3cret', env).CUDA_VISIBLE_DEVICES, '0,1');
  assert.equal(workerEnvironment(1, 's3cret', env).CUDA_VISIBLE_DEVICES, '2,3');
  assert.equal(workerEnvironment(1, 's3cret', env).TENSORFLEET_TOKEN, 's3cret');
  assert.throws(() => workerEnvironment(2, 's3cret', env), /GPUs for 2 workers, but worker 2/);
  assert.equal(workerEnvironment(0, 't', { PATH: '/bin' }).CUDA_VISIBLE_DEVICES, undefined);
});
