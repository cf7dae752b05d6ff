// Shared by the Slurm HPO tests: a study spec whose trials are real `tensorfleet train` runs submitted to the local
// Slurm (infra/slurm), the coordinator run as a user runs it (`tensorfleet hpo run`), and readers of what Slurm and
// the coordinator leave behind: the jobcomp file, the study's SQLite store, the trials' logs.
import { mkdtempSync, readFileSync, readdirSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { parseJobRecord, SqliteStudyStore, studyLayout, slurmJobStarted } from '@tensorfleet/coordinator';
import { logMessages } from '@tensorfleet/protocol';
import { startSlurm } from './slurm.js';
import { startCli } from './cli.js';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A fresh folder for one test: its spec, storage and study. */
export function studyFolder(prefix) {
  return mkdtempSync(join(tmpdir(), `tf-${prefix}-`));
}

/** Starts a fresh local Slurm (3 nodes x 4 fake GPUs, helpers/slurm.js): { dir, env, nodes, slurm(cmd, args), stop }. */
export const startLocalSlurm = () => startSlurm();

/**
 * A small real study: mlp on a fifth (`split`) of the digits, `trials` trials of up to `maxEpochs` epochs, each one batch job
 * with `gpus` GRES GPUs; `extra` overrides spec fields.
 */
export function writeStudySpec(dir, { name, trials, maxEpochs, gpus, maxConcurrent = trials, scheduler = { name: 'fifo' }, batchSize = 128, split = 0.2, extra = {} }) {
  const spec = {
    name, seed: 5, objective: { metric: 'valAccuracy' },
    budget: { trials, maxConcurrent, maxEpochs },
    resources: { workers: 1, gpusPerWorker: gpus },
    scheduler,
    launcher: { slurm: { partition: 'debug', time: '00:20:00', pollSeconds: 0.5 } },
    base: { model: { preset: 'mlp' }, data: { split: [split, 0.05, 0.95 - split] }, batchSize, seed: 1 },
    space: { 'optimizer.lr': { type: 'loguniform', low: 1e-3, high: 3e-1 } },
    out: join(dir, name),
    ...extra,
  };
  const path = join(dir, `${name}.json`);
  writeFileSync(path, JSON.stringify(spec, null, 2));
  return { path, spec, storage: join(dir, 'studies.sqlite'), studyDir: spec.out };
}

/** `tensorfleet hpo run SPEC` against the local Slurm, JSON lines on stdout. */
export function runHpo(spec, slurm, options = {}) {
  return startCli(['hpo', 'run', spec.path, '--storage', spec.storage, '--json'], { env: slurm.env, ...options });
}

/** Waits for a started CLI to exit, failing after `ms` (the CLI is killed then). */
export async function exitWithin(cli, ms) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => {
      cli.child.kill('SIGKILL');
      reject(new Error(`tensorfleet hpo run did not finish in ${ms / 1000} s`));
    }, ms);
  });
  try {
    return await Promise.race([cli.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Every record of the cluster's jobcomp file (one per run of a job: a requeued job has one per run). */
export function jobCompRecords(slurm) {
  const path = join(slurm.dir, 'log', 'jobcomp.txt');
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8').split('\n').map(parseJobRecord).filter(Boolean);
}

/** The jobs slurmctld knows now (`scontrol show job -o`). */
export function currentJobs(slurm) {
  const out = execFileSync('scontrol', ['show', 'job', '-o'], { env: { ...process.env, ...slurm.env }, encoding: 'utf8' });
  return out.split('\n').map(parseJobRecord).filter(Boolean);
}

/** Distinct Slurm job ids by job name (`tf-STUDY-TRIAL`), from the jobcomp file and slurmctld. */
export function jobIdsByName(slurm) {
  const byName = new Map();
  for (const r of [...jobCompRecords(slurm), ...currentJobs(slurm)]) {
    if (!byName.has(r.name)) byName.set(r.name, new Set());
    byName.get(r.name).add(r.jobId);
  }
  return byName;
}

/** The study's trials, metrics and transitions, read from its SQLite store. */
export function readStudy(spec) {
  const store = new SqliteStudyStore(spec.storage);
  try {
    const study = store.requireStudy(spec.spec.name);
    return { study, trials: store.trials(study.id), metrics: store.metrics(study.id), transitions: store.transitions(study.id), rungs: store.rungs(study.id) };
  } finally {
    store.close();
  }
}

/** The JSON lines of a trial's log (trial.log: every line its job printed, tagged with study and trial). */
export function trialLog(spec, trial) {
  const path = studyLayout.trialLog(studyLayout.trialDir(spec.studyDir, trial));
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

/**
 * The runs of a trial's job, from its log: each starts with the batch script's `slurm job started` line and holds
 * the CLI's and the worker's `backend selected` lines (their CUDA_VISIBLE_DEVICES), its epoch lines, and the time
 * span from its first to its last line.
 */
export function jobRuns(lines) {
  const runs = [];
  for (const line of lines) {
    if (line.msg === slurmJobStarted) runs.push({ start: line, lines: [], from: line.time, to: line.time });
    const run = runs[runs.length - 1];
    if (!run) continue;
    run.lines.push(line);
    // Lines the job printed as plain text carry the time the coordinator read them (`stream` set), not their own.
    if (typeof line.time === 'number' && line.stream === undefined) run.to = Math.max(run.to, line.time);
  }
  for (const run of runs) {
    run.cli = run.lines.find((l) => l.msg === logMessages.backendSelected && l.role === 'cli');
    run.worker = run.lines.find((l) => l.msg === logMessages.backendSelected && l.role === 'worker');
    run.epochs = run.lines.filter((l) => l.msg === logMessages.epoch).map((l) => l.epoch);
  }
  return runs;
}

/** The trial folders of a study (their numbers). */
export function trialNumbers(spec) {
  const dir = studyLayout.trialsDir(spec.studyDir);
  return existsSync(dir) ? readdirSync(dir).map(Number).sort((a, b) => a - b) : [];
}

/** Polls `check` every 250 ms until it returns a truthy value, failing with `what` after `ms`. */
export async function waitFor(what, ms, check) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms / 1000} s waiting for ${what}`);
    await sleep(250);
  }
}

/** The `checkpoint written` lines of a trial's log so far. */
export function checkpointLines(lines) {
  return lines.filter((l) => l.msg === 'checkpoint written');
}

/**
 * Kills a virtual node the way a power failure would: its slurmd, the slurmstepd of every job on it and every
 * process of those jobs (SIGKILL, no chance to checkpoint). Slurm marks the node DOWN once its SlurmdTimeout passes.
 */
export function killNode(slurm, node) {
  const jobs = currentJobs(slurm).filter((j) => j.node === node && j.state === 'RUNNING').map((j) => j.jobId);
  const victims = [Number(readFileSync(join(slurm.dir, 'run', `slurmd-${node}.pid`), 'utf8').trim())];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'latin1');
      const environ = readFileSync(`/proc/${pid}/environ`, 'latin1');
      if (jobs.some((id) => cmdline.startsWith(`slurmstepd: [${id}.`) || environ.includes(`\0SLURM_JOB_ID=${id}\0`) || environ.startsWith(`SLURM_JOB_ID=${id}\0`))) victims.push(pid);
    } catch {
      // gone
    }
  }
  for (const pid of victims) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  return { jobs, killed: victims.length };
}

/**
 * Checks that a trial's job runs together trained each epoch exactly once and that each later run resumed from the
 * checkpoint the run before it wrote last: its `all workers joined; training` line starts at that step.
 */
export function assertResumedRuns(assert, runs, { trial, epochs }) {
  assert.ok(runs.length >= 2, `trial ${trial} ran ${runs.length} time(s): it was not requeued`);
  for (let i = 1; i < runs.length; i++) {
    const before = checkpointLines(runs[i - 1].lines).at(-1);
    assert.ok(before, `trial ${trial}: run ${i} wrote no checkpoint`);
    assert.equal(runs[i].start.resume, true, `trial ${trial}: run ${i + 1} did not resume`);
    assert.equal(runs[i].start.restart, i, `trial ${trial}: run ${i + 1} is not Slurm restart ${i}`);
    const training = runs[i].lines.find((l) => l.msg === logMessages.training);
    assert.equal(training?.step, before.step, `trial ${trial}: run ${i + 1} started at step ${training?.step}, its checkpoint was step ${before.step}`);
  }
  const all = runs.flatMap((r) => r.epochs);
  assert.deepEqual(all, Array.from({ length: epochs }, (_, i) => i), `trial ${trial}: epochs across runs ${JSON.stringify(runs.map((r) => r.epochs))}`);
}
