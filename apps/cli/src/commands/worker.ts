import { Command, Option } from 'commander';
import { runWorker } from '@tensorfleet/worker';
import { backendPreferences, selectBackend, type BackendPreference } from '@tensorfleet/core';
import { ConfigError } from '@tensorfleet/protocol';
import { createCliLogger } from '../logging.js';
import { numberArg } from './options.js';
import { readPem, resolveToken, tokenOptions } from './secret.js';

/** `tensorfleet worker --ps ws://HOST:PORT`: one worker process, on this machine or another, joining a job. */
export function workerCommand(): Command {
  const command = new Command('worker')
    .description('run one data-parallel worker that joins the parameter server at --ps')
    .requiredOption('--ps <url>', 'ws:// or wss:// address of the parameter server')
    .option('--ca <file>', 'PEM certificate(s) to trust for a wss:// parameter server (e.g. its --cert)')
    .addOption(new Option('--backend <name>', 'tfjs backend').choices(backendPreferences).default('auto'))
    .addOption(new Option('--threads <n>', 'compute threads of the native kernels (default: $TENSORFLEET_THREADS, else every core)').argParser(numberArg('--threads', true)))
    .option('--name <name>', 'shown in the parameter server logs')
    .option('--cache-dir <dir>', 'where data files fetched from the parameter server are kept (default $TENSORFLEET_CACHE or ~/.cache/tensorfleet/data)')
    .option('--json', 'JSON log lines even on a terminal');
  for (const option of tokenOptions()) command.addOption(option);
  return command
    .action(async (flags: { ps: string; token?: string; allowWeakToken?: boolean; ca?: string; backend: BackendPreference; threads?: number; name?: string; cacheDir?: string; json?: boolean }) => {
      const log = createCliLogger({}, { json: flags.json === true }); // the worker binds role, rank and run itself
      const token = resolveToken(flags, log);
      if (!token) {
        process.exitCode = 2;
        return;
      }
      if (flags.ca !== undefined && !flags.ps.startsWith('wss://')) throw new ConfigError(`--ca is for a wss:// parameter server; --ps is "${flags.ps}"`);
      const tls = flags.ca !== undefined ? { ca: readPem('--ca', flags.ca) } : undefined;
      try {
        await selectBackend({ preferred: flags.backend, ...(flags.threads ? { threads: flags.threads } : {}), log: (b) => log.info({ role: 'worker', backend: b.name, reason: b.reason }, 'backend selected') });
        await runWorker({
          psUrl: flags.ps, token, logger: log, handleSignals: true, ...(flags.name ? { name: flags.name } : {}),
          ...(flags.cacheDir ? { cacheDir: flags.cacheDir } : {}), ...(tls ? { tls } : {}),
        });
      } catch (err) {
        log.error({ err: (err as Error).message }, 'worker failed');
        process.exitCode = 1;
      }
    });
}
