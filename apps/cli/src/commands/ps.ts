import { randomUUID } from 'node:crypto';
import { Command, Option } from 'commander';
import { selectBackend } from '@tensorfleet/core';
import { ConfigError, exitCodes, logMessages } from '@tensorfleet/protocol';
import { RunStopped, type ParameterServerHandle } from '@tensorfleet/ps';
import { listenProblem } from '../listen-problem.js';
import { LogRouter, outputMode } from '../logging.js';
import { handleInterrupts, stoppedLine } from './interrupts.js';
import { stopPolicyOf } from '../cluster/stop-policy.js';
import { RunLogFiles } from '../output/run-files.js';
import { outputOptions } from './output-options.js';
import { epochProgressBar } from './progress.js';
import { configFromFlags, metricsFromFlags, metricsOptions, numberArg, rejoinOption, rejoinTimeoutOption, trainConfigOptions } from './options.js';
import { checkOutFolder } from './out-folder.js';
import { readPem, resolveToken, tokenOptions } from './secret.js';
import { serveJob } from './serve-job.js';

/** `tensorfleet ps`: the parameter server alone, for a cluster whose workers run on other machines. */
export function psCommand(): Command {
  const command = new Command('ps')
    .description('run the parameter server of a job; workers join with `tensorfleet worker --ps ws://HOST:PORT`')
    .addOption(new Option('-w, --workers <n>', 'workers to wait for').argParser(numberArg('--workers', true)))
    .option('--host <address>', 'interface to listen on', '0.0.0.0')
    .addOption(new Option('--port <n>', 'port to listen on').argParser(numberArg('--port', true)).default(7070))
    .option('--cert <file>', 'PEM certificate: serve wss:// (with --key); workers trust it with --ca')
    .option('--key <file>', 'PEM private key of --cert')
    .option('--shards <urls>', 'comma-separated ws:// addresses of running `tensorfleet ps-shard` processes (default: --ps-shards − 1 started here)')
    .option('--resume', 'continue from the newest checkpoint in OUT/checkpoints')
    .addOption(new Option('--max-restarts <n>', 'let new worker processes take over lost ranks up to N times in all').argParser(numberArg('--max-restarts', true)))
    .addOption(rejoinTimeoutOption());
  for (const option of [...outputOptions(), ...tokenOptions(), ...trainConfigOptions(), ...metricsOptions()]) command.addOption(option);
  return command.action(async (flags: Record<string, unknown>) => {
    const startedAt = performance.now();
    const mode = outputMode(flags);
    let run: string = randomUUID().slice(0, 8);
    const config = configFromFlags(flags, { workers: flags.workers });
    const bar = epochProgressBar({ enabled: !mode.json && !mode.quiet && process.stderr.isTTY === true, epochs: config.epochs });
    const router = new LogRouter(mode, bar);
    const base = router.logger({ role: 'cli' });
    let cli = base.child({ run });
    const token = resolveToken(flags, cli);
    if (!token) {
      process.exitCode = exitCodes.usage;
      return;
    }
    if ((flags.cert === undefined) !== (flags.key === undefined)) throw new ConfigError('--cert and --key: give both (a PEM certificate and its key) or neither');
    const tls = typeof flags.cert === 'string' ? { cert: readPem('--cert', flags.cert), key: readPem('--key', flags.key as string) } : undefined;
    checkOutFolder(config.out);
    const backend = await selectBackend({ preferred: config.backend, log: () => {} });
    router.attach(new RunLogFiles(config.out, { append: flags.resume === true }));
    let server: ParameterServerHandle | undefined;
    const interrupts = handleInterrupts(cli, {
      first: () => (server ? server.requestStop() : process.exit(exitCodes.interrupted)),
      second: () => void server?.close(),
    }, stopPolicyOf(process.env));
    try {
      const { path } = await serveJob(config, {
        token, logger: router.logger(), cliLogger: () => cli, onShardLine: (line) => router.line(line), backend: backend.selected, host: flags.host as string, port: flags.port as number,
        resume: flags.resume === true, runId: run, startedAt, ...(tls ? { tls } : {}), metrics: metricsFromFlags(flags), onStep: (p) => bar.update(p),
        ...rejoinOption(flags), ...(typeof flags.maxRestarts === 'number' ? { maxRestarts: flags.maxRestarts } : {}),
        onListening: (ps) => {
          server = ps;
          run = ps.runId;
          cli = base.child({ run });
          cli.info({ backend: backend.selected, reason: backend.reason, workers: config.workers, out: config.out }, logMessages.backendSelected);
        },
        ...(typeof flags.shards === 'string' ? { shards: flags.shards.split(',').map((u) => u.trim()).filter(Boolean) } : {}),
      });
      bar.stop();
      process.stdout.write(`${path}\n`);
    } catch (err) {
      bar.stop();
      if (err instanceof ConfigError) throw err; // the user's files: one line and exit 2, from main
      const listen = listenProblem(err, `${flags.host as string}:${flags.port as number}`);
      if (err instanceof RunStopped) cli.warn({ step: err.step, checkpoint: err.checkpoint }, stoppedLine(err));
      else if (listen) cli.error(listen);
      else cli.error({ err: (err as Error).message }, 'parameter server failed');
      process.exitCode = err instanceof RunStopped || interrupts.count() > 0 ? exitCodes.interrupted : listen ? exitCodes.unavailable : exitCodes.failed;
    } finally {
      interrupts.dispose();
      router.closeFiles();
    }
  });
}
