// `srun tensorfleet train` inside a Slurm allocation, on the local Slurm of infra/slurm (3 virtual nodes × 4 fake
// GPUs): the step's tasks form the cluster themselves — rank 0 hosts the parameter server and trains, the other ranks
// are its workers — with each task on the node and GPUs Slurm gave it, and the run equals a local one of the seed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, readSummary, runCli, startCli } from './helpers/cli.js';
import { useLocalSlurm } from './helpers/slurm.js';

// A small run that still trains: the mlp preset, one epoch over the bundled digits in batches of 64 per worker.
const job = ['--preset', 'mlp', '--epochs', '1', '--batch-size', '64', '--seed', '7', '--metrics-port', '0', '--json'];

const localSlurm = useLocalSlurm('slurm-step');

/** Runs `srun SRUN_ARGS tensorfleet train ...job` against the local cluster; resolves with the run's output. */
async function srunTrain(srunArgs, out) {
  const run = startCli(['train', ...job, '--out', out], {
    prefix: ['srun', '--kill-on-bad-exit=1', '--time=3', ...srunArgs],
    env: localSlurm.cluster.env,
    detached: true,
  });
  const timer = setTimeout(() => process.kill(-run.child.pid, 'SIGKILL'), 150_000);
  try {
    const result = await run.exited;
    assert.equal(result.code, 0, `srun tensorfleet train failed\n${describe(result)}`);
    return result;
  } finally {
    clearTimeout(timer);
  }
}

const placements = (result) => result.logs.filter((l) => l.cluster === 'slurm' && typeof l.task === 'number');

test('srun -N2 -n2 tensorfleet train: the PS on rank 0 (n1), a worker on each node, the accuracy of a local run', { timeout: 170_000 }, async () => {
  const result = await srunTrain(['--nodes=2', '--ntasks=2'], join(localSlurm.root, 'step'));
  const tasks = placements(result).sort((a, b) => a.task - b.task);
  assert.deepEqual(tasks.map((t) => [t.task, t.node, t.ps, t.tasks]), [[0, 'n1', true, 2], [1, 'n2', false, 2]]);
  // Both workers joined the server from their own tasks, named by rank and node.
  const joined = result.logs.filter((l) => l.msg === 'worker joined').map((l) => l.name).sort();
  assert.deepEqual(joined, ['slurm-0@n1', 'slurm-1@n2']);
  const { summary } = readSummary(result);
  assert.equal(summary.workers, 2);

  const local = readSummary(await runCli(['train', ...job, '--workers', '2', '--out', join(localSlurm.root, 'local')]));
  assert.ok(summary.testAccuracy > 0.5, `it trained: ${summary.testAccuracy}`);
  assert.equal(summary.testAccuracy, local.summary.testAccuracy, 'the same test accuracy as a local train of the same seed');
  // The loss agrees to float noise (the tasks' native kernels run on another thread count than local workers').
  assert.ok(Math.abs(summary.testLoss - local.summary.testLoss) < 1e-5, `test loss ${summary.testLoss} vs local ${local.summary.testLoss}`);
});

test('srun -N2 -n4 --gres=gpu:4: the two tasks on each node split its GPUs, every worker its own CUDA_VISIBLE_DEVICES', { timeout: 170_000 }, async () => {
  const result = await srunTrain(['--nodes=2', '--ntasks=4', '--ntasks-per-node=2', '--gres=gpu:4'], join(localSlurm.root, 'gpus'));
  const seen = placements(result).map((t) => `${t.node}:${t.gpus}`).sort();
  assert.deepEqual(seen, ['n1:0,1', 'n1:2,3', 'n2:0,1', 'n2:2,3']);
  assert.equal(readSummary(result).summary.workers, 4);
});
