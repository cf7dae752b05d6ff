import { randomBytes, randomUUID } from 'node:crypto';
import { Command, Option } from 'commander';
import { selectBackend } from '@tensorfleet/core';
import { ConfigError, configReference, exitCodes, isDivergence, jobFromConfig, logMessages } from '@tensorfleet/protocol';
import { LogRouter, outputMode } from '../logging.js';
import { RunLogFiles } from '../output/run-files.js';
import { outputOptions } from './output-options.js';
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
  const mode = outputMode(flags);
  const config = configFromFlags(flags, { workers: flags.workers });
  checkOutFolder(config.out);
  // One run id for every line: a resumed run keeps the id its checkpoint has, which the server tells us.
  let run: string = randomUUID().slice(0, 8);
  const bar = epochProgressBar({ enabled: !mode.json && !mode.quiet && process.stderr.isTTY === true, epochs: config.epochs });
  const router = new LogRouter(mode, bar);
  const base = router.logger({ role: 'cli' });
  const cliLog = () => base.child({ run });
  const backend = await selectBackend({ preferred: config.backend, log: () => {} });
  // The job first (data, model files, init): a config problem exits 2 with its one line before anything starts,
  // and before the run folder's logs are started over.
  const resolved = jobFromConfig(config);
  router.attach(new RunLogFiles(config.out, { append: flags.resume === true }));
  let cli = cliLog();
  let workers: LocalWorkers | undefined;
  let workerFailure: Error | undefined;
  const token = randomBytes(24).toString('hex');
  const interrupt = () => {
    cli.warn('interrupted: stopping workers; the newest checkpoint stays for --resume');
    workers?.stop();
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  try {
    const { summary, path } = await serveJob(config, {
      token,
      logger: router.logger(), // the server binds role and run itself
      cliLogger: () => cli, onShardLine: (line) => router.line(line),
      backend: backend.selected,
      resume: flags.resume === true,
      resolved,
      runId: run,
      startedAt,
      metrics: metricsFromFlags(flags),
      onStep: (p) => bar.update(p),
      onListening: (ps) => {
        run = ps.runId;
        cli = cliLog();
        cli.info({ backend: backend.selected, reason: backend.reason, workers: config.workers, out: config.out }, logMessages.backendSelected);
        workers = startLocalWorkers(config.workers, { psUrl: ps.url, token, backend: config.backend, output: router, threads: flags.threads as number | undefined });
        workers.exited.catch((err: Error) => {
          // An elastic job outlives its workers: the PS evicts the lost one and goes on with the rest.
          if (config.elastic) return cli.warn({ err: err.message }, 'a local worker left; the elastic job goes on');
          workerFailure = err;
          void ps.close();
        });
      },
    });
    bar.stop();
    await workers?.exited.catch(() => {});
    cli.info(
      { testAccuracy: summary.testAccuracy, testLoss: summary.testLoss, testTop5: summary.testTop5, wallSeconds: summary.wallSeconds, samplesPerSec: summary.samplesPerSec },
      logMessages.finished,
    );
    process.stdout.write(`${path}\n`);
    return exitCodes.ok;
  } catch (err) {
    bar.stop();
    workers?.stop();
    if (err instanceof ConfigError) throw err; // the user's files: one line and exit 2, from main
    const cause = workers?.firstError() ?? (workerFailure ?? (err as Error)).message;
    if (isDivergence(cause)) {
      // A NaN/Inf loss, gradient or statistic: the recipe diverged (the HPO coordinator records crashed@epoch).
      cli.error({ err: cause }, logMessages.diverged);
      return exitCodes.diverged;
    }
    cli.error({ err: cause }, 'training failed');
    return exitCodes.failed;
  } finally {
    router.closeFiles();
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', interrupt);
  }
}

export function trainCommand(): Command {
  const command = new Command('train')
    .description('train on a local cluster: a parameter server and N worker processes on this machine')
    .addOption(new Option('-w, --workers <n>', "worker processes (default: the config's workers, 2)").argParser(numberArg('--workers', true)))
    .addOption(new Option('--threads <n>', 'compute threads per worker (default: cores / workers)').argParser(numberArg('--threads', true)))
    .option('--resume', 'continue from the newest checkpoint in OUT/checkpoints')
    .option('--help-config', 'print the config file reference (every field, its type, default and meaning) and exit');
  for (const option of [...outputOptions(), ...trainConfigOptions(), ...metricsOptions()]) command.addOption(option);
  return command.action(async (flags: Record<string, unknown>) => {
    if (flags.helpConfig) {
      process.stdout.write(configReference());
      return;
    }
    process.exitCode = await runTrain(flags);
  });
}
