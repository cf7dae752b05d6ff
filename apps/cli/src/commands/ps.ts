import { randomUUID } from 'node:crypto';
import { Command, Option } from 'commander';
import { selectBackend } from '@tensorfleet/core';
import { ConfigError } from '@tensorfleet/protocol';
import { createCliLogger } from '../logging.js';
import { configFromFlags, metricsFromFlags, metricsOptions, numberArg, trainConfigOptions } from './options.js';
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
    .option('--json', 'JSON log lines even on a terminal');
  for (const option of [...tokenOptions(), ...trainConfigOptions()]) command.addOption(option);
  for (const option of metricsOptions()) command.addOption(option);
  return command.action(async (flags: Record<string, unknown>) => {
    const startedAt = performance.now();
    const json = flags.json === true;
    const run = randomUUID().slice(0, 8);
    const log = createCliLogger({}, { json }); // the server binds role and run itself
    const token = resolveToken(flags, log);
    if (!token) {
      process.exitCode = 2;
      return;
    }
    if ((flags.cert === undefined) !== (flags.key === undefined)) throw new ConfigError('--cert and --key: give both (a PEM certificate and its key) or neither');
    const tls = typeof flags.cert === 'string' ? { cert: readPem('--cert', flags.cert), key: readPem('--key', flags.key as string) } : undefined;
    const config = configFromFlags(flags, { workers: flags.workers });
    checkOutFolder(config.out);
    const backend = await selectBackend({ preferred: config.backend, log: (b) => log.info(b, 'backend selected') });
    try {
      const { path } = await serveJob(config, {
        token, logger: log, backend: backend.selected, host: flags.host as string, port: flags.port as number,
        resume: flags.resume === true, runId: run, startedAt, ...(tls ? { tls } : {}), metrics: metricsFromFlags(flags),
        ...(typeof flags.shards === 'string' ? { shards: flags.shards.split(',').map((u) => u.trim()).filter(Boolean) } : {}),
      });
      process.stdout.write(`${path}\n`);
    } catch (err) {
      if (err instanceof ConfigError) throw err; // the user's files: one line and exit 2, from main
      log.error({ err: (err as Error).message }, 'parameter server failed');
      process.exitCode = 1;
    }
  });
}
