import { randomBytes, randomUUID } from 'node:crypto';
import { Command, Option } from 'commander';
import { selectBackend } from '@tensorfleet/core';
import { ConfigError, configReference, exitCodes, isDivergence, jobFromConfig, logMessages, visibleDevices } from '@tensorfleet/protocol';
import { RunStopped, type ParameterServerHandle } from '@tensorfleet/ps';
import { createCliLogger, LogRouter, outputMode } from '../logging.js';
import { checkJobFlags, jobLauncher, jobLauncherFlags, launcherOptions, jobLauncherNames, type JobLauncherName } from './job-launchers.js';
import { handleInterrupts, stoppedLine } from './interrupts.js';
import { RunLogFiles } from '../output/run-files.js';
import { outputOptions } from './output-options.js';
import { configFromFlags, metricsFromFlags, metricsOptions, numberArg, rejoinOption, rejoinTimeoutOption, trainConfigOptions } from './options.js';
import { createLauncher, placeWorkers } from '@tensorfleet/launch';
import type { LocalWorkers } from './local-cluster.js';
import { detectClusterTask } from '../cluster/cluster-environment.js';
import { logTaskPlacement, narrowToTaskGpus, runWorkerTask } from '../cluster/task-worker.js';
import { clusterPlacement, localPlacement, type TrainPlacement } from './train-placement.js';
import { epochProgressBar } from './progress.js';
import { checkOutFolder } from './out-folder.js';
import { serveJob } from './serve-job.js';

/**
 * `tensorfleet train`: a local cluster — this process runs the parameter server, N child processes run the workers —
 * trains, evaluates on the test split, writes OUT/summary.json and prints its path as the last line. A failed worker
 * is restarted (it rejoins in its rank, from the current parameters) while `--max-restarts` allow. The first
 * SIGINT/SIGTERM finishes the step, checkpoints and stops; a second one stops at once.
 * As a task of a scheduler-started cluster (`srun -n N tensorfleet train`: {@link detectClusterTask}) rank 0 runs
 * the server and trains as a worker, the other ranks are workers of it.
 * Returns the exit code (exitCodes): ok, failed, diverged or interrupted.
 */
export async function runTrain(flags: Record<string, unknown>, args: string[] = []): Promise<number> {
  const task = detectClusterTask();
  // A whole-job launcher (slurm, kubernetes) runs the job elsewhere; inside a Slurm job's tasks (which run this same
  // command line, with --launcher local) each task is a local train or a cluster task.
  const job = task ? undefined : jobLauncher(flags.launcher);
  if (job) return job.run(flags, args);
  if (task && task.rank > 0) {
    const config = configFromFlags(flags, { workers: task.worldSize });
    const log = createCliLogger({ role: 'cli' }, outputMode(flags));
    narrowToTaskGpus(task);
    logTaskPlacement(log, task);
    return runWorkerTask(task, { out: config.out, backend: config.backend, log, workerLogger: createCliLogger({}, outputMode(flags)) });
  }
  let out = '';
  const placement: TrainPlacement = task ? clusterPlacement(task, flags, () => out) : localPlacement(flags);
  return runServingTrain(flags, placement, (o) => (out = o));
}

async function runServingTrain(flags: Record<string, unknown>, placement: TrainPlacement, setOut: (out: string) => void): Promise<number> {
  const startedAt = performance.now();
  const mode = outputMode(flags);
  const config = configFromFlags(flags, { workers: placement.workers });
  setOut(config.out);
  const maxRestarts = (flags.maxRestarts as number | undefined) ?? 0;
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
  // Where the workers run (local children, or SSH hosts): a bad hostfile, or too few slots on its hosts, is a config problem too.
  const launcher = createLauncher(config.launcher);
  const hosts = launcher.nodes ? placeWorkers(launcher.nodes, config.workers, `${config.launcher.name} launcher`) : undefined;
  if (placement.writesRunLogs) router.attach(new RunLogFiles(config.out, { append: flags.resume === true }));
  let cli = cliLog();
  placement.describe(cli);
  let workers: LocalWorkers | undefined;
  let workerFailure: Error | undefined;
  const token = randomBytes(24).toString('hex');
  let server: ParameterServerHandle | undefined;
  let runOver = false;
  const interrupts = handleInterrupts(cli, {
    first: () => server?.requestStop(), // (not listening yet: onListening stops it)
    second: () => {
      workers?.kill();
      if (server) void server.close();
      else process.exit(exitCodes.interrupted); // nothing started yet to close
    },
  }, placement.stops);
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
      ...(placement.listen ?? (launcher.serverAddress ? { host: launcher.serverAddress.listen } : {})),
      metrics: metricsFromFlags(flags),
      ...rejoinOption(flags),
      ...(maxRestarts > 0 ? { maxRestarts } : {}),
      onStep: (p) => bar.update(p),
      onListening: (ps) => {
        server = ps;
        run = ps.runId;
        cli = cliLog();
        cli.info({ backend: backend.selected, reason: backend.reason, workers: config.workers, out: config.out, ...visibleDevices(process.env) }, logMessages.backendSelected);
        if (interrupts.count() > 0) return ps.requestStop(); // interrupted while starting: no workers to start
        workers = placement.startWorkers({
          ps, workers: config.workers, token, backend: config.backend, router, cli, threads: flags.threads as number | undefined,
          launcher, ...(hosts ? { placements: hosts } : {}), psUrl: advertised(ps.url, launcher.serverAddress?.advertise),
          maxRestarts, canRestart: () => !runOver && interrupts.count() === 0,
        });
        workers.exited.catch((err: Error) => {
          if (runOver || interrupts.count() > 0) return; // the workers of a finished or stopping run leave on their own
          // An elastic job outlives its workers: the PS evicts the lost one and goes on with the rest.
          if (config.elastic) return cli.warn({ err: err.message }, 'a worker left; the elastic job goes on');
          workerFailure = err;
          void ps.close();
        });
      },
    });
    runOver = true;
    bar.stop();
    await workers?.settled; // every worker's last line is in before the summary path, the last line
    cli.info(
      { testAccuracy: summary.testAccuracy, testLoss: summary.testLoss, testTop5: summary.testTop5, wallSeconds: summary.wallSeconds, samplesPerSec: summary.samplesPerSec },
      logMessages.finished,
    );
    process.stdout.write(`${path}\n`);
    return exitCodes.ok;
  } catch (err) {
    runOver = true;
    bar.stop();
    await stopLocalWorkers(workers);
    if (err instanceof ConfigError) throw err; // the user's files: one line and exit 2, from main
    if (err instanceof RunStopped) {
      cli.warn({ step: err.step, checkpoint: err.checkpoint }, stoppedLine(err));
      return exitCodes.interrupted;
    }
    // The first failure is the cause: a worker's own error when a worker failed first, else the server's.
    const cause = workerFailure ? (workers?.firstError() ?? workerFailure.message) : (err as Error).message;
    if (isDivergence(cause)) {
      // A NaN/Inf loss, gradient or statistic: the recipe diverged (the HPO coordinator records crashed@epoch).
      cli.error({ err: cause }, logMessages.diverged);
      return exitCodes.diverged;
    }
    cli.error({ err: cause }, 'training failed');
    return interrupts.count() > 0 ? exitCodes.interrupted : exitCodes.failed;
  } finally {
    placement.end();
    router.closeFiles();
    interrupts.dispose();
  }
}

/** The server's URL with the host the workers reach it at (ws://0.0.0.0:7070 is no address to connect to). */
function advertised(url: string, host: string | undefined): string {
  if (!host) return url;
  const u = new URL(url);
  u.hostname = host;
  return u.toString().replace(/\/$/, '');
}

/** The workers of an ended run leave on their own (the server told them); any still there after 3 s are killed. */
async function stopLocalWorkers(workers: LocalWorkers | undefined): Promise<void> {
  if (!workers) return;
  workers.stop();
  const timer = setTimeout(() => workers.kill(), 3000);
  await workers.settled;
  clearTimeout(timer);
}

export function trainCommand(): Command {
  const command = new Command('train')
    .description(`train on a cluster: a parameter server in this process and N worker processes, on this machine or (--launcher ssh --hosts FILE) spread over SSH hosts; --launcher ${jobLauncherNames.join('|')} runs the whole job there`)
    .addOption(new Option('-w, --workers <n>', "worker processes (default: the config's workers, 2)").argParser(numberArg('--workers', true)))
    .addOption(new Option('--threads <n>', 'compute threads per worker (default: cores / workers)').argParser(numberArg('--threads', true)))
    .option('--resume', 'continue from the newest checkpoint in OUT/checkpoints')
    .addOption(new Option('--max-restarts <n>', 'restart a failed worker process up to N times in all (it rejoins from the current parameters)').argParser(numberArg('--max-restarts', true)).default(0))
    .addOption(rejoinTimeoutOption())
    .option('--help-config', 'print the config file reference (every field, its type, default and meaning) and exit');
  for (const option of [...launcherOptions(), ...outputOptions(), ...trainConfigOptions(), ...metricsOptions(), ...jobLauncherFlags()]) command.addOption(option);
  return command.action(async (flags: Record<string, unknown>) => {
    if (flags.helpConfig) {
      process.stdout.write(configReference());
      return;
    }
    if (jobLauncher(flags.launcher)) {
      const given = command.options.filter((o) => command.getOptionValueSource(o.attributeName()) === 'cli').map((o) => [o.attributeName(), o.long ?? o.flags] as const);
      checkJobFlags(flags.launcher as JobLauncherName, given);
    }
    process.exitCode = await runTrain(flags, process.argv.slice(process.argv.indexOf('train') + 1));
  });
}
