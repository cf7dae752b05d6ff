import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mulberry32 } from '../search/rng.js';
import { cudaVisibleDevices, SlotPool, type Allocation } from './slots.js';

const inventory = {
  nodes: [
    { name: 'a', host: 'a', slots: 4, gpus: 4 },
    { name: 'b', host: 'b', slots: 3, gpus: 2 },
  ],
};

test('random allocate/release never oversubscribes a node and GPUs stay disjoint across workers and trials', () => {
  const pool = new SlotPool(inventory);
  const random = mulberry32(9);
  const held = new Map<number, Allocation>();
  let next = 0;
  let refused = 0;
  for (let step = 0; step < 2000; step++) {
    if (held.size && random() < 0.45) {
      const ids = [...held.keys()];
      const id = ids[Math.floor(random() * ids.length)]!;
      pool.release(id);
      held.delete(id);
    } else {
      const request = { workers: 1 + Math.floor(random() * 2), gpusPerWorker: Math.floor(random() * 2) };
      const a = pool.allocate(next, request);
      if (a) {
        assert.equal(a.workers.length, request.workers);
        assert.ok(a.workers.every((w) => w.gpus.length === request.gpusPerWorker));
        held.set(next, a);
      } else refused++;
      next++;
    }
    for (const node of inventory.nodes) {
      const workers = [...held.values()].flatMap((a) => a.workers).filter((w) => w.node === node.name);
      assert.ok(workers.length <= node.slots, `${node.name} oversubscribed: ${workers.length} > ${node.slots}`);
      const gpus = workers.flatMap((w) => w.gpus);
      assert.equal(new Set(gpus).size, gpus.length, `GPU handed out twice on ${node.name}: ${gpus}`);
      assert.ok(gpus.every((g) => g >= 0 && g < node.gpus));
    }
    assert.equal(pool.usedSlots, [...held.values()].reduce((s, a) => s + a.workers.length, 0));
  }
  assert.ok(refused > 0, 'the pool was never full: the test did not exercise refusal');
});

test('a trial that can never fit is refused up front, naming what it needs and what there is', () => {
  const pool = new SlotPool(inventory);
  assert.throws(() => pool.assertSatisfiable({ workers: 5, gpusPerWorker: 0 }), /needs 5 worker slot\(s\) and 0 GPU\(s\) on one node; the inventory has a \(4 slots, 4 GPUs\), b \(3 slots, 2 GPUs\)/);
  assert.throws(() => pool.assertSatisfiable({ workers: 3, gpusPerWorker: 2 }), /needs 3 worker slot\(s\) and 6 GPU\(s\)/);
  pool.assertSatisfiable({ workers: 2, gpusPerWorker: 2 });
});

test('CUDA_VISIBLE_DEVICES lists a worker’s own GPUs; a CPU worker sees none', () => {
  const pool = new SlotPool(inventory);
  const a = pool.allocate(1, { workers: 2, gpusPerWorker: 2 })!;
  assert.deepEqual(a.workers.map(cudaVisibleDevices), ['0,1', '2,3']);
  const b = pool.allocate(2, { workers: 1, gpusPerWorker: 1 })!;
  assert.deepEqual([b.workers[0]!.node, cudaVisibleDevices(b.workers[0]!)], ['b', '0']);
  const c = pool.allocate(3, { workers: 1, gpusPerWorker: 0 })!;
  assert.equal(cudaVisibleDevices(c.workers[0]!), '');
  assert.throws(() => pool.allocate(1, { workers: 1, gpusPerWorker: 0 }), /trial 1 already holds resources/);
});

test('an inventory node may list its GPU ids (an SSH hostfile\'s gpus=2,3): workers get those ids', () => {
  const pool = new SlotPool({ nodes: [{ name: 'gpu1:2222', host: 'gpu1:2222', slots: 2, gpus: [2, 3] }] });
  const a = pool.allocate(0, { workers: 2, gpusPerWorker: 1 })!;
  assert.deepEqual(a.workers.map((w) => w.gpus), [[2], [3]]);
  assert.equal(pool.allocate(1, { workers: 1, gpusPerWorker: 1 }), null, 'both listed GPUs are taken');
  assert.throws(() => pool.assertSatisfiable({ workers: 1, gpusPerWorker: 3 }), /needs 1 worker slot\(s\) and 3 GPU\(s\)/);
});
