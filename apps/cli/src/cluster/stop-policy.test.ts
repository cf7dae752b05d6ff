import { test } from 'node:test';
import assert from 'node:assert/strict';
import { slurmStopPolicy, stopPolicyOf, terminalStopPolicy, workerSignals } from './stop-policy.js';

test('inside any Slurm job (a batch script, a one-task job, an srun task) a run stops on USR1 too and never escalates', () => {
  for (const env of [{ SLURM_JOB_ID: '7' }, { SLURM_JOB_ID: '7', SLURM_STEP_ID: '0', SLURM_PROCID: '0' }]) {
    const policy = stopPolicyOf(env);
    assert.equal(policy, slurmStopPolicy);
    assert.ok(policy.signals.includes('SIGUSR1') && policy.signals.includes('SIGTERM'));
    assert.equal(policy.escalates, false);
  }
});

test('outside Slurm: Ctrl-C or kill, and a second one stops at once', () => {
  assert.equal(stopPolicyOf({}), terminalStopPolicy);
  assert.deepEqual(terminalStopPolicy, { signals: ['SIGINT', 'SIGTERM'], escalates: true });
});

test('a worker train started inside a Slurm job leaves every stop to its server; one on its own stops on SIGTERM, not on USR1', () => {
  const job = { SLURM_JOB_ID: '7' };
  assert.deepEqual(workerSignals(job, true), { stop: [], ignore: ['SIGTERM', 'SIGINT', 'SIGUSR1'] });
  assert.deepEqual(workerSignals(job, false), { stop: ['SIGINT', 'SIGTERM'], ignore: ['SIGUSR1'] });
  assert.deepEqual(workerSignals({}, true), { stop: ['SIGINT', 'SIGTERM'], ignore: [] });
});
