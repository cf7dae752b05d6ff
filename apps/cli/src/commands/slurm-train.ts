import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { jobPhase, OutputFiles, SlurmCli, type JobRecord } from '@tensorfleet/coordinator';
import { ConfigError, exitCodes, jobFromConfig, runFiles } from '@tensorfleet/protocol';
import { tensorfleetCommand } from '@tensorfleet/launch';
import { LogRouter, outputMode } from '../logging.js';
import { RunLogFiles } from '../output/run-files.js';
import { slurmRunLogsVariable } from '../cluster/slurm-environment.js';
import { trainJobScript } from '../slurm/train-job-script.js';
import { configFromFlags } from './options.js';
import { checkOutFolder } from './out-folder.js';
import { flagOf, slurmTrainOptionsSchema } from './slurm-train-flags.js';

function slurmOptions(flags: Record<string, unknown>): z.output<typeof slurmTrainOptionsSchema> {
  const given = Object.fromEntries(Object.keys(slurmTrainOptionsSchema.shape).filter((k) => flags[k] !== undefined).map((k) => [k, flags[k]]));
  const parsed = slurmTrainOptionsSchema.safeParse(given);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw new ConfigError(`${flagOf(String(issue.path[0]))}: ${issue.message}`);
}

/**
 * `tensorfleet train --launcher slurm` from a login node: submits the run as one batch job whose srun step has a task
 * per worker (rank 0 hosts the parameter server: the run forms its cluster inside the allocation), streams the job's
 * output file into the terminal and OUT/log.jsonl, follows it through requeues, and returns the run's exit code when
 * the job ends (COMPLETED: the summary path is the last stdout line). Ctrl-C cancels the job (its tasks get SIGTERM:
 * the run checkpoints first).
 */
export async function runTrainOnSlurm(flags: Record<string, unknown>, trainArgs: string[]): Promise<number> {
  const mode = outputMode(flags);
  const config = configFromFlags(flags, { workers: flags.workers });
  const options = slurmOptions(flags);
  jobFromConfig(config); // a config problem exits 2 here, not in a queued job
  checkOutFolder(config.out);
  const out = resolve(config.out);
  mkdirSync(out, { recursive: true });
  const router = new LogRouter(mode, { update: () => {}, suspend: () => {}, stop: () => {} });
  router.attach(new RunLogFiles(out, { append: flags.resume === true }));
  const log = router.logger({ role: 'cli' });
  const slurm = new SlurmCli(process.env);
  const script = join(out, 'slurm-train.sh');
  writeFileSync(script, trainJobScript({
    argv: tensorfleetCommand('train', ...trainArgs), jobName: `tensorfleet-train`, cwd: process.cwd(),
    tasks: config.workers, tasksPerNode: Math.min(config.workers, options.workersPerNode), gpusPerTask: options.gpusPerWorker,
    output: join(out, 'slurm-%j.out'), error: join(out, 'slurm-%j.err'), signalSeconds: options.signalSeconds,
    partition: options.partition, time: options.time, account: options.account, sbatchArgs: options.sbatchArgs,
    exports: { [slurmRunLogsVariable]: 'launcher' }, onRequeue: ['--resume'], stoppedExitCode: exitCodes.interrupted,
  }), { mode: 0o755 });
  let jobId: string;
  try {
    jobId = slurm.submit(script, process.cwd());
  } catch (err) {
    log.error({ err: (err as Error).message }, 'the Slurm job could not be submitted');
    router.closeFiles();
    return exitCodes.failed;
  }
  log.info({ slurmJobId: jobId, script, workers: config.workers }, `submitted Slurm job ${jobId} (${config.workers} worker tasks)`);
  const output = new OutputFiles({ stdout: join(out, `slurm-${jobId}.out`), stderr: join(out, `slurm-${jobId}.err`) }, join(out, 'slurm-offsets.json'), 'end');
  const summaryPath = join(out, runFiles.summary);
  const forward = (stream: 'stdout' | 'stderr', text: string) => {
    if (!text.trim()) return;
    // The job's train prints the summary path as its last line; this command prints it once, last, when the job ends.
    if (stream === 'stdout' && resolve(text.trim()) === summaryPath) return;
    if (stream === 'stdout') router.line(text);
    else process.stderr.write(`${text}\n`);
  };
  let cancelled = false;
  const onSignal = () => {
    if (cancelled) return;
    cancelled = true;
    log.warn({ slurmJobId: jobId }, `interrupted: cancelling Slurm job ${jobId} (its run checkpoints first)`);
    void slurm.cancel(jobId).catch((err: Error) => log.error({ err: err.message }, 'scancel failed'));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let last: JobRecord | null = null;
  try {
    for (;;) {
      output.read(forward);
      const record = (await slurm.jobs().catch(() => null))?.get(jobId) ?? (await slurm.finished(jobId));
      if (record && (record.state !== last?.state || record.restarts !== last?.restarts || record.reason !== last?.reason)) {
        log.info({ slurmJobId: jobId, state: record.state, reason: record.reason, restarts: record.restarts, nodes: record.node }, `Slurm job ${jobId}: ${record.state}${record.reason && record.reason !== 'None' ? ` (${record.reason})` : ''}`);
      }
      last = record ?? last;
      if (record && jobPhase(record.state) === 'ended') break;
      await new Promise((r) => setTimeout(r, options.pollSeconds * 1000));
    }
    output.read(forward, true);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  const code = cancelled || last?.state.startsWith('CANCELLED') ? exitCodes.interrupted : (last?.exitCode ?? exitCodes.failed);
  log.info({ slurmJobId: jobId, state: last?.state, exitCode: code, restarts: last?.restarts }, `Slurm job ${jobId} ended ${last?.state}; the run exits ${code}`);
  router.closeFiles();
  if (last?.state === 'COMPLETED' && code === exitCodes.ok) process.stdout.write(`${summaryPath}\n`);
  return code;
}
