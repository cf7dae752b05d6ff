import { randomBytes, randomUUID } from 'node:crypto';
import { Command, Option } from 'commander';
import { selectBackend } from '@tensorfleet/core';
import { ConfigError, configReference, jobFromConfig } from '@tensorfleet/protocol';
import { createCliLogger } from '../logging.js';
import { configFromFlags, metricsFromFlags, metricsOptions, numberArg, trainConfigOptions } from './options.js';
import { startLocalWorkers, type LocalWorkers } from './local-cluster.js';
import { epochProgressBar } from './progress.js';
import { checkOutFolder } from './out-folder.js';
import { serveJob } from './serve-job.js';

/**
 * `tensorfleet train`: a local cluster — this process runs the parameter server, N child processes run the workers —
 * trains, evaluates on the test split, writes OUT/summary.json and prints its path as the last line.
 * Returns the exit code: 0 done, 1 failed, 3 diverged (non-finite loss, gradients or statistics).
 */
export async function runTrain(flags: Record<string, unknown>): Promise<number> {
  const startedAt = performance.now();
  const json = flags.json === true;
  const config = configFromFlags(flags, { workers: flags.workers });
  checkOutFolder(config.out);
  const run = randomUUID().slice(0, 8);
  const log = createCliLogger({ role: 'cli', run }, { json });
  const backend = await selectBackend({ preferred: config.backend, log: () => {} });
  // The job first (data, model files, init): a config problem exits 2 with its one line before anything starts.
  const resolved = jobFromConfig(config);
  log.info({ backend: backend.selected, reason: backend.reason }, 'backend selected');

  const bar = epochProgressBar(!json && process.stderr.isTTY === true);
  let workers: LocalWorkers | undefined;
  let workerFailure: Error | undefined;
  const token = randomBytes(24).toString('hex');
  const interrupt = () => {
    log.warn('interrupted: stopping workers; the newest checkpoint stays for --resume');
    workers?.stop();
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  try {
    const { summary, path } = await serveJob(config, {
      token,
      logger: createCliLogger({}, { json }), // the server binds role and run itself
      backend: backend.selected,
      resume: flags.resume === true,
      resolved,
      runId: run,
      startedAt,
      metrics: metricsFromFlags(flags),
      onStep: (p) => bar.update(p),
      onListening: (ps) => {
        workers = startLocalWorkers(config.workers, { psUrl: ps.url, token, backend: config.backend, json, threads: flags.threads as number | undefined });
        workers.exited.catch((err: Error) => {
          // An elastic job outlives its workers: the PS evicts the lost one and goes on with the rest.
          if (config.elastic) return log.warn({ err: err.message }, 'a local worker left; the elastic job goes on');
          workerFailure = err;
          void ps.close();
        });
      },
    });
    bar.stop();
    await workers?.exited.catch(() => {});
    log.info(
      { testAccuracy: summary.testAccuracy, testLoss: summary.testLoss, wallSeconds: summary.wallSeconds, samplesPerSec: summary.samplesPerSec },
      `test accuracy ${summary.testAccuracy === null ? 'n/a' : (summary.testAccuracy * 100).toFixed(2) + '%'}`,
    );
    process.stdout.write(`${path}\n`);
    return 0;
  } catch (err) {
    bar.stop();
    workers?.stop();
    if (err instanceof ConfigError) throw err; // the user's files: one line and exit 2, from main
    const cause = workers?.firstError() ?? (workerFailure ?? (err as Error)).message;
    if (/non-finite/.test(cause)) {
      // A NaN/Inf loss, gradient or statistic: the recipe diverged (the HPO coordinator records crashed@epoch).
      log.error({ err: cause }, 'diverged');
      return 3;
    }
    log.error({ err: cause }, 'training failed');
    return 1;
  } finally {
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', interrupt);
  }
}

export function trainCommand(): Command {
  const command = new Command('train')
    .description('train on a local cluster: a parameter server and N worker processes on this machine')
    .addOption(new Option('-w, --workers <n>', 'worker processes').argParser(numberArg('--workers', true)))
    .addOption(new Option('--threads <n>', 'compute threads per worker (default: cores / workers)').argParser(numberArg('--threads', true)))
    .option('--resume', 'continue from the newest checkpoint in OUT/checkpoints')
    .option('--json', 'JSON log lines even on a terminal')
    .option('--help-config', 'print the config file reference (every field, its type, default and meaning) and exit');
  for (const option of trainConfigOptions()) command.addOption(option);
  for (const option of metricsOptions()) command.addOption(option);
  return command.action(async (flags: Record<string, unknown>) => {
    if (flags.helpConfig) {
      process.stdout.write(configReference());
      return;
    }
    process.exitCode = await runTrain(flags);
  });
}
