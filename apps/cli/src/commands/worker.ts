import { Command, InvalidArgumentError, Option } from 'commander';
import { runWorker } from '@tensorfleet/worker';
import { backendPreferences, selectBackend, type BackendPreference } from '@tensorfleet/core';
import { ConfigError, exitCodes, logMessages, transportNames, visibleDevices, type TransportName } from '@tensorfleet/protocol';
import { createCliLogger } from '../logging.js';
import { numberArg } from './options.js';
import { exitWithParent } from './parent-watch.js';
import { workerSignals } from '../cluster/stop-policy.js';
import { readPem, resolveToken, tokenOptions } from './secret.js';

/** `tensorfleet worker --ps ws://HOST:PORT`: one worker process, on this machine or another, joining a job. */
export function workerCommand(): Command {
  const command = new Command('worker')
    .description('run one data-parallel worker that joins the parameter server at --ps (exit 0 only when the run completed)')
    .requiredOption('--ps <url>', 'ws:// or wss:// address of the parameter server')
    .option('--ca <file>', 'PEM certificate(s) to trust for a wss:// parameter server (e.g. its --cert)')
    .addOption(new Option('--backend <name>', 'tfjs backend').choices(backendPreferences).default('auto'))
    .addOption(new Option('--threads <n>', 'compute threads of the native kernels (default: $TENSORFLEET_THREADS, else every core)').argParser(numberArg('--threads', true)))
    .addOption(new Option('--transport <name>', 'auto: take the shared-memory offer of a parameter server on this host (tensors skip the socket); ws: decline it').choices(transportNames).default('auto'))
    .option('--name <name>', 'shown in the parameter server logs (default: worker-PID)')
    .addOption(new Option('--rank <n>', 'rank to ask for, given when free (a Kubernetes Indexed Job passes its completion index); default: the first free one').argParser((raw) => {
      const rank = numberArg('--rank', true)(raw);
      if (rank < 0) throw new InvalidArgumentError(`--rank expects a rank >= 0, got "${raw}"`);
      return rank;
    }))
    .option('--cache-dir <dir>', 'where data files fetched from the parameter server are kept (default $TENSORFLEET_CACHE or ~/.cache/tensorfleet/data)')
    .option('--json', 'JSON log lines even on a terminal')
    .option('-v, --verbose', 'debug lines too (one per step)');
  for (const option of tokenOptions()) command.addOption(option);
  return command
    .action(async (flags: { ps: string; token?: string; allowWeakToken?: boolean; ca?: string; backend: BackendPreference; threads?: number; transport: TransportName; name?: string; rank?: number; cacheDir?: string; json?: boolean; verbose?: boolean }) => {
      const base = createCliLogger({}, { json: flags.json === true, verbose: flags.verbose === true }); // runWorker binds role, rank and run
      const log = base.child({ role: 'worker', ...(flags.name ? { name: flags.name } : {}) }); // this command's own lines
      const token = resolveToken(flags, log);
      if (!token) {
        process.exitCode = exitCodes.usage;
        return;
      }
      if (flags.ca !== undefined && !flags.ps.startsWith('wss://')) throw new ConfigError(`--ca is for a wss:// parameter server; --ps is "${flags.ps}"`);
      const tls = flags.ca !== undefined ? { ca: readPem('--ca', flags.ca) } : undefined;
      // A worker started by `tensorfleet train` dies with it, even when it is SIGKILLed.
      const supervised = exitWithParent(() => log.error('the parent process (tensorfleet train) is gone; exiting'));
      const signals = workerSignals(process.env, supervised);
      const ignore = (signal: NodeJS.Signals) => log.warn({ signal }, `${signal}: the parameter server checkpoints and stops the run; this worker waits for it`);
      for (const s of signals.ignore) process.on(s, ignore);
      // Until the run completes, an exit for any reason (even an event loop left empty) is a failure.
      process.exitCode = exitCodes.failed;
      try {
        await selectBackend({ preferred: flags.backend, ...(flags.threads ? { threads: flags.threads } : {}), log: (b) => log.info({ backend: b.selected, reason: b.reason, ...visibleDevices(process.env) }, logMessages.backendSelected) });
        const summary = await runWorker({
          psUrl: flags.ps, token, logger: base, handleSignals: signals.stop, ...(flags.name ? { name: flags.name } : {}), ...(flags.rank !== undefined ? { rank: flags.rank } : {}),
          ...(flags.cacheDir ? { cacheDir: flags.cacheDir } : {}), ...(tls ? { tls } : {}), transport: flags.transport,
        });
        process.exitCode = summary.ended === 'done' ? exitCodes.ok : exitCodes.interrupted;
      } catch (err) {
        log.error({ err: (err as Error).message }, logMessages.workerFailed);
        process.exitCode = exitCodes.failed;
      }
    });
}
