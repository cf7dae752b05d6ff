import type { TrialJob } from '../types.js';

/** The study spec's `launcher: {slurm: {...}}` options a trial's job is submitted with. */
export interface SlurmJobOptions {
  partition?: string | undefined;
  /** --time (Slurm's formats: MINUTES, HH:MM:SS, D-HH:MM, ...). */
  time?: string | undefined;
  account?: string | undefined;
  /** --signal=B:USR1@N: the warning before the time limit, when the trial checkpoints and requeues itself. */
  signalSeconds: number;
  /** More sbatch options, written as given (site-specific: --qos, --constraint, --mem, ...). */
  sbatchArgs: readonly string[];
}

/** The files of a trial's Slurm job, in its trial folder. */
export const slurmFiles = {
  script: 'slurm-job.sh',
  stdout: 'slurm.out',
  stderr: 'slurm.err',
  /** How far the coordinator read the two output files: a coordinator that adopts the job reads on from there. */
  offsets: 'slurm-offsets.json',
} as const;

/** The `msg` of the line each run of a trial's job prints first: slurmJobId, slurmNode, restart (Slurm's count), resume. */
export const slurmJobStarted = 'slurm job started';

/** Single-quotes a word for bash. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

export interface BatchScriptInput {
  job: TrialJob;
  options: SlurmJobOptions;
  /** The trial command, placeholders filled. */
  argv: readonly string[];
  resumeArgs: readonly string[];
  env: Record<string, string>;
  cwd: string;
  stdoutPath: string;
  stderrPath: string;
  checkpointsDir: string;
}

/**
 * The batch script of one trial: its #SBATCH options (one node, `--gres=gpu:N` for all its workers, output appended so
 * a requeued run adds to the same files, --requeue, the USR1 warning), then the trial command. The script is written
 * to the trial folder and submitted from there, so a user can read or resubmit exactly what ran.
 *
 * The job resumes from the trial's newest checkpoint whenever one exists and the job is a requeued run
 * (SLURM_RESTART_COUNT > 0) or the coordinator asked for it. Slurm's signals: `scancel` and a requeue send SIGTERM to
 * every process of the job, and `tensorfleet train` checkpoints on it by itself (the shell must not send a second
 * one: a second SIGTERM stops train at once); the USR1 warning before the time limit goes to the shell alone, which
 * then asks train to checkpoint and stop and requeues the job, so the next run resumes where this one stopped.
 */
export function batchScript(input: BatchScriptInput): string {
  const { job, options } = input;
  const gpus = job.request.workers * job.request.gpusPerWorker;
  const q = shellQuote;
  const sbatch = [
    `--job-name=${jobName(job)}`,
    `--output=${input.stdoutPath}`,
    `--error=${input.stderrPath}`,
    '--open-mode=append',
    '--requeue',
    `--signal=B:USR1@${options.signalSeconds}`,
    '--nodes=1',
    '--ntasks=1',
    `--chdir=${input.cwd}`,
    ...(gpus > 0 ? [`--gres=gpu:${gpus}`] : []),
    ...(options.partition ? [`--partition=${options.partition}`] : []),
    ...(options.time ? [`--time=${options.time}`] : []),
    ...(options.account ? [`--account=${options.account}`] : []),
    ...options.sbatchArgs,
  ];
  const env = { ...input.env, TENSORFLEET_STUDY: job.study, TENSORFLEET_TRIAL: String(job.trial) };
  return [
    '#!/bin/bash',
    `# Trial ${job.trial} of study ${job.study}: written and submitted by the tensorfleet coordinator.`,
    ...sbatch.map((arg) => `#SBATCH ${arg}`),
    '',
    ...Object.entries(env).map(([k, v]) => `export ${k}=${q(v)}`),
    // Slurm's GRES GPUs of the job, split among the trial's workers in rank order (`0,1;2,3`).
    `gpus_per_worker=${job.request.gpusPerWorker}`,
    `workers=${job.request.workers}`,
    'IFS=, read -r -a gpus <<< "${CUDA_VISIBLE_DEVICES:-}"',
    'per_worker=()',
    'for ((w = 0; w < workers; w++)); do per_worker+=("$(IFS=,; echo "${gpus[*]:w*gpus_per_worker:gpus_per_worker}")"); done',
    'export TENSORFLEET_WORKER_GPUS="$(IFS=";"; echo "${per_worker[*]}")"',
    '',
    `args=(${input.argv.map(q).join(' ')})`,
    'resumed=false',
    `if { [ "\${SLURM_RESTART_COUNT:-0}" -gt 0 ] || [ ${job.resume ? 1 : 0} = 1 ]; } && [ -n "$(ls -A ${q(input.checkpointsDir)} 2>/dev/null)" ]; then`,
    `  args+=(${input.resumeArgs.map(q).join(' ')})`,
    '  resumed=true',
    'fi',
    // One line saying which run of the job this is, where, and whether it resumes (pino's shape, role trial).
    `echo "{\\"level\\":30,\\"time\\":$(date +%s%3N),\\"role\\":\\"trial\\",\\"slurmJobId\\":\\"$SLURM_JOB_ID\\",\\"slurmNode\\":\\"$SLURMD_NODENAME\\",\\"restart\\":\${SLURM_RESTART_COUNT:-0},\\"resume\\":$resumed,\\"msg\\":\\"${slurmJobStarted}\\"}"`,
    '"${args[@]}" &',
    'child=$!',
    'warned=0',
    "trap 'warned=1; kill -TERM \"$child\" 2>/dev/null' USR1",
    "trap ':' TERM",
    // wait returns early when a trapped signal arrives: wait again until the trainer has exited.
    'while :; do wait "$child"; code=$?; kill -0 "$child" 2>/dev/null || break; done',
    'if [ "$warned" = 1 ]; then scontrol requeue "$SLURM_JOB_ID"; fi',
    'exit "$code"',
    '',
  ].join('\n');
}

/** The job name of a trial (`tf-STUDY-TRIAL`): what `squeue` shows, and how a test counts a trial's submissions. */
export function jobName(job: Pick<TrialJob, 'study' | 'trial'>): string {
  return `tf-${job.study}-${job.trial}`;
}
