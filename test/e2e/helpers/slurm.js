// The local Slurm of infra/slurm (slurmctld + 3 virtual nodes with 4 fake GPUs each) for tests: start it in the
// test's own folder, point Slurm's commands at it with the returned env, stop it in `after`/`finally`.
// A test that needs it FAILS when it cannot start (no root, packages missing): .ci/run installs them.
import { execFileSync } from 'node:child_process';
import { after, before } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localSlurmShape, nodeStates, startSlurm as startLocalSlurm } from '../../../infra/slurm/local-slurm.mjs';

export { localSlurmShape, nodeStates };

/**
 * Starts a fresh local Slurm in a new temp folder and waits until its nodes are idle.
 * @returns {Promise<{ dir: string, env: { SLURM_CONF: string }, nodes: string[], slurm: (cmd: string, args: string[]) => string, stop: () => Promise<void> }>}
 * @example
 * const cluster = await startSlurm();
 * try { cluster.slurm('sbatch', ['--wrap', 'true']); } finally { await cluster.stop(); }
 */
export async function startSlurm({ timeoutMs = 90_000 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'tf-slurm-'));
  const started = await startLocalSlurm({ dir, timeoutMs }).catch((err) => {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  });
  return {
    ...started,
    /** Runs one Slurm command (sbatch, scontrol, ...) against this cluster and returns its stdout. */
    slurm: (command, args) => execFileSync(command, args, { env: { ...process.env, ...started.env }, encoding: 'utf8', timeout: 30_000 }),
    stop: async () => {
      await started.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * One local Slurm for a whole test file, started in `before` and stopped in `after`, with a temp folder for the
 * file's runs (`tf-e2e-<prefix>-…`, removed in `after`). The fields are set once `before` has run.
 * @returns {{ cluster: Awaited<ReturnType<typeof startSlurm>>, root: string }}
 * @example
 * const localSlurm = useLocalSlurm('slurm-step');
 * test('…', () => runCli([...], { env: localSlurm.cluster.env, out: join(localSlurm.root, 'run') }));
 */
export function useLocalSlurm(prefix) {
  const context = { cluster: undefined, root: undefined };
  before(async () => {
    context.root = mkdtempSync(join(tmpdir(), `tf-e2e-${prefix}-`));
    context.cluster = await startSlurm(); // fails (never skips) when the local Slurm cannot start
  });
  after(async () => {
    await context.cluster?.stop();
    if (context.root) rmSync(context.root, { recursive: true, force: true });
  });
  return context;
}
