import test from 'node:test';
import assert from 'node:assert/strict';
import { placeWorkers } from './placement.js';

test('workers spread one per host in turn, within slots, each with its own share of the host GPUs', () => {
  const nodes = [{ name: 'a', slots: 2, gpus: [0, 1, 2, 3] }, { name: 'b', slots: 1, gpus: [] }, { name: 'c', slots: 3, gpus: [5] }];
  assert.deepEqual(placeWorkers(nodes, 4), [
    { node: 'a', gpus: [0, 1] }, { node: 'b', gpus: [] }, { node: 'c', gpus: [5] }, { node: 'a', gpus: [2, 3] },
  ]);
  assert.deepEqual(placeWorkers(nodes, 1), [{ node: 'a', gpus: [0, 1, 2, 3] }]);
});

test('too few slots, or fewer GPUs than workers on a GPU host, is a config error', () => {
  assert.throws(() => placeWorkers([{ name: 'a', slots: 1, gpus: [] }], 2, 'hosts.txt'), /^ConfigError: hosts\.txt: 1 host\(s\) offer 1 slot\(s\), the job needs 2 workers/);
  assert.throws(() => placeWorkers([{ name: 'a', slots: 2, gpus: [0] }], 2), /a lists 1 GPU\(s\) for 2 workers/);
});
