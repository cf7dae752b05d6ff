import { shellQuote } from '@tensorfleet/coordinator';

/** What goes into the batch script of `tensorfleet train --launcher slurm`. */
export interface TrainJobScriptOptions {
  /** The command every task runs (under srun). */
  argv: string[];
  jobName: string;
  /** Folder the job runs in (relative paths of the command resolve from it). */
  cwd: string;
  /** Tasks (one worker each; rank 0 also hosts the parameter server), and how many share a node. */
  tasks: number;
  tasksPerNode: number;
  /** GPUs per task; the node's request is `--gres=gpu:(gpusPerTask × tasksPerNode)`. */
  gpusPerTask: number;
  /** The job's output and error files (`%j` = job id), appended to, so a requeued job adds to them. */
  output: string;
  error: string;
  /** Seconds before the time limit at which the batch shell gets USR1: the run checkpoints, stops and requeues. */
  signalSeconds: number;
  partition?: string | undefined;
  time?: string | undefined;
  account?: string | undefined;
  /** More sbatch options, each as on the command line (`--qos=high`). */
  sbatchArgs?: readonly string[];
  /** Variables the script exports before starting the step. */
  exports?: Record<string, string>;
  /** Arguments added to the command when the job runs again after a requeue (`--resume`). */
  onRequeue: string[];
  /** The command's exit code for "stopped on request" (it checkpointed): after USR1 this requeues the job. */
  stoppedExitCode: number;
}

/**
 * A batch script that runs `argv` as one srun step of `tasks` tasks (`--kill-on-bad-exit`: one failed task ends the
 * step), requeueable, its output appended to one file. Preemption follows Lightning's SLURM plugin: `--signal=B:USR1@N`
 * reaches this shell, which passes USR1 to the step's tasks (`scancel --signal=USR1` signals the steps, not this
 * shell; the run checkpoints at the step's end and stops) and then requeues the job; a requeued job starts again with
 * `onRequeue` added (SLURM_RESTART_COUNT > 0). A job requeued from outside (`scontrol requeue`, a failed node) gets
 * SIGTERM in every task, to which the run answers the same way.
 *
 * @example
 * trainJobScript({ argv: ['tensorfleet', 'train'], jobName: 'tf', cwd: '/home/me', tasks: 2, tasksPerNode: 1, gpusPerTask: 1,
 *   output: 'runs/a/slurm-%j.out', error: 'runs/a/slurm-%j.err', signalSeconds: 120, onRequeue: ['--resume'], stoppedExitCode: 130 });
 */
export function trainJobScript(o: TrainJobScriptOptions): string {
  const nodes = Math.ceil(o.tasks / o.tasksPerNode);
  const directives = [
    `--job-name=${o.jobName}`,
    `--chdir=${o.cwd}`,
    `--nodes=${nodes}`,
    `--ntasks=${o.tasks}`,
    `--ntasks-per-node=${o.tasksPerNode}`,
    ...(o.gpusPerTask > 0 ? [`--gres=gpu:${o.gpusPerTask * o.tasksPerNode}`] : []),
    ...(o.partition ? [`--partition=${o.partition}`] : []),
    ...(o.time ? [`--time=${o.time}`] : []),
    ...(o.account ? [`--account=${o.account}`] : []),
    `--output=${o.output}`,
    `--error=${o.error}`,
    '--open-mode=append',
    `--signal=B:USR1@${o.signalSeconds}`,
    '--requeue',
    ...(o.sbatchArgs ?? []),
  ];
  for (const d of directives) if (/[\n\r]/.test(d)) throw new Error(`sbatch option ${JSON.stringify(d)}: no line breaks`);
  return [
    '#!/bin/bash',
    ...directives.map((d) => `#SBATCH ${d}`),
    '# Written by tensorfleet train --launcher slurm (apps/cli/src/slurm/train-job-script.ts).',
    ...Object.entries(o.exports ?? {}).map(([k, v]) => `export ${k}=${shellQuote(v)}`),
    'again=()',
    `if [ "\${SLURM_RESTART_COUNT:-0}" -gt 0 ]; then again=(${o.onRequeue.map(shellQuote).join(' ')}); fi`,
    'preempted=0',
    `trap 'preempted=1; scancel --signal=USR1 "$SLURM_JOB_ID"' USR1`,
    // The tasks get a requeue's or scancel's SIGTERM from Slurm themselves: this shell must outlive them.
    "trap ':' TERM",
    `srun --kill-on-bad-exit=1 ${o.argv.map(shellQuote).join(' ')} "\${again[@]}" &`,
    'step=$!',
    // A trapped signal ends `wait` early: wait again until the step itself has ended.
    'while :; do wait "$step"; code=$?; kill -0 "$step" 2>/dev/null || break; done',
    `if [ "$preempted" = 1 ] && [ "$code" = ${o.stoppedExitCode} ]; then scontrol requeue "$SLURM_JOB_ID"; fi`,
    'exit "$code"',
    '',
  ].join('\n');
}
