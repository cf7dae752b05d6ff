// The local Slurm the Slurm launcher tests run on (infra/slurm): three virtual nodes with 4 fake GPUs each, a job
// spread over them with the GPUs Slurm gave it, and a stop that leaves none of its processes behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { localSlurmShape, nodeStates, startSlurm } from './helpers/slurm.js';
import { startSlurm as startIn } from '../../infra/slurm/local-slurm.mjs';

/** Processes still running with this cluster's SLURM_CONF in their environment, or named by its pid files. */
function leftovers(conf) {
  return readdirSync('/proc').filter((p) => /^\d+$/.test(p) && Number(p) !== process.pid).filter((p) => {
    try {
      return readFileSync(`/proc/${p}/environ`, 'latin1').includes(`SLURM_CONF=${conf}\0`) || readFileSync(`/proc/${p}/cmdline`, 'latin1').includes(conf);
    } catch {
      return false;
    }
  });
}

test('the local Slurm: 3 idle nodes × 4 GPUs; a 3-node job gets gpu:2 on each; stop ends every process', { timeout: 120_000 }, async () => {
  const cluster = await startSlurm();
  try {
    assert.deepEqual(nodeStates(cluster.env), { n1: 'idle', n2: 'idle', n3: 'idle' });
    const gres = cluster.slurm('sinfo', ['-h', '-N', '-o', '%N %G']).trim().split('\n').sort();
    assert.deepEqual(gres, ['n1 gpu:4', 'n2 gpu:4', 'n3 gpu:4']);
    assert.equal(localSlurmShape.nodes, 3);
    // srun blocks until the step ends: one task per node, each printing where it ran and the GPUs it sees.
    const out = cluster.slurm('srun', ['--nodes=3', '--ntasks=3', '--gres=gpu:2', '--time=1', 'sh', '-c', 'echo "$SLURMD_NODENAME $CUDA_VISIBLE_DEVICES"']);
    assert.deepEqual(out.trim().split('\n').sort(), ['n1 0,1', 'n2 0,1', 'n3 0,1']);
    // Starting again in the same folder finds the running cluster instead of starting a second one.
    const controllerPid = () => readFileSync(join(cluster.dir, 'run', 'slurmctld.pid'), 'utf8').trim();
    const before = controllerPid();
    const started = performance.now();
    await startIn({ dir: cluster.dir });
    assert.equal(controllerPid(), before, 'the same slurmctld');
    assert.ok(performance.now() - started < 10_000, 'found, not restarted');
  } finally {
    await cluster.stop();
  }
  assert.deepEqual(leftovers(cluster.conf), [], 'no process of the cluster is left');
});
