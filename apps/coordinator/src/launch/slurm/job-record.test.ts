import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jobPhase, parseJobRecord } from './job-record.js';

// Lines as Slurm 22.05 prints them (cut to the fields read; real lines carry ~60 more).
const scontrol = 'JobId=4 JobName=tf-s-3 UserId=root(0) GroupId=root(0) JobState=PENDING Reason=BeginTime Dependency=(null) Requeue=1 Restarts=1 BatchFlag=1 ExitCode=0:0 NodeList=(null) BatchHost=n1';
const jobcomp = 'JobId=7 UserId=root(0) GroupId=root(0) Name=tf-s-1 JobState=NODE_FAIL Partition=debug TimeLimit=525600 NodeList=n3 NodeCnt=1 DerivedExitCode=0:0 ExitCode=0:9 ';

test('a job record from `scontrol show job -o` and from the jobcomp file', () => {
  assert.deepEqual(parseJobRecord(scontrol), { jobId: '4', name: 'tf-s-3', state: 'PENDING', reason: 'BeginTime', restarts: 1, exitCode: 0, signal: null, node: 'n1' });
  // The jobcomp line names the job `Name=`, has no Restarts, and DerivedExitCode must not be taken for ExitCode.
  assert.deepEqual(parseJobRecord(jobcomp), { jobId: '7', name: 'tf-s-1', state: 'NODE_FAIL', reason: '', restarts: 0, exitCode: 0, signal: 'SIGKILL', node: 'n3' });
  assert.equal(parseJobRecord('No jobs in the system'), null);
});

test('job states by what they mean for a trial', () => {
  assert.deepEqual(['PENDING', 'REQUEUED', 'REQUEUE_HOLD'].map(jobPhase), ['queued', 'queued', 'queued']);
  assert.deepEqual(['RUNNING', 'COMPLETING', 'SUSPENDED'].map(jobPhase), ['running', 'running', 'running']);
  assert.deepEqual(['COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT', 'NODE_FAIL', 'PREEMPTED', 'OUT_OF_MEMORY'].map(jobPhase), Array(7).fill('ended'));
  assert.equal(jobPhase('CANCELLED+'), 'ended');
});
