import test from 'node:test';
import assert from 'node:assert/strict';
import { expandHostList, expandTasksPerNode } from './slurm-hostlist.js';

test('Slurm host lists expand as scontrol show hostnames does', () => {
  assert.deepEqual(expandHostList('n[1-3]'), ['n1', 'n2', 'n3']);
  assert.deepEqual(expandHostList('n1'), ['n1']);
  assert.deepEqual(expandHostList('n[1-2,5],gpu[08-10],login'), ['n1', 'n2', 'n5', 'gpu08', 'gpu09', 'gpu10', 'login']);
  assert.deepEqual(expandHostList('rack[1-2]-n[1-2]'), ['rack1-n1', 'rack1-n2', 'rack2-n1', 'rack2-n2']);
  assert.throws(() => expandHostList('n[1-'), /unclosed/);
  assert.throws(() => expandHostList('n[a-b]'), /not a number or a range/);
});

test('Slurm task counts per node expand to one number per node', () => {
  assert.deepEqual(expandTasksPerNode('2(x2)'), [2, 2]);
  assert.deepEqual(expandTasksPerNode('2(x3),1'), [2, 2, 2, 1]);
  assert.deepEqual(expandTasksPerNode('4'), [4]);
  assert.throws(() => expandTasksPerNode('2x'), /not N or N\(xM\)/);
});
