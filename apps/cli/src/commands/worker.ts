import { Command, Option } from 'commander';
import { runWorker } from '@tensorfleet/worker';
import { selectBackend, type BackendPreference } from '@tensorfleet/core';
import { createCliLogger } from '../logging.js';

/** `tensorfleet worker --ps ws://HOST:PORT`: one worker process, on this machine or another, joining a job. */
export function workerCommand(): Command {
  return new Command('worker')
    .description('run one data-parallel worker that joins the parameter server at --ps')
    .requiredOption('--ps <url>', 'ws:// or wss:// address of the parameter server')
    .option('--token <secret>', 'shared secret (default: $TENSORFLEET_TOKEN); proven by HMAC, never sent')
    .addOption(new Option('--backend <name>', 'tfjs backend').choices(['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu']).default('auto'))
    .option('--name <name>', 'shown in the parameter server logs')
    .option('--json', 'JSON log lines even on a terminal')
    .action(async (flags: { ps: string; token?: string; backend: BackendPreference; name?: string; json?: boolean }) => {
      const token = flags.token ?? process.env.TENSORFLEET_TOKEN;
      const log = createCliLogger({}, { json: flags.json === true }); // the worker binds role, rank and run itself
      if (!token) {
        log.error('no token: pass --token or set TENSORFLEET_TOKEN (the same secret the parameter server was given)');
        process.exitCode = 2;
        return;
      }
      try {
        await selectBackend({ preferred: flags.backend, log: (b) => log.info({ role: 'worker', backend: b.name, reason: b.reason }, 'backend selected') });
        await runWorker({ psUrl: flags.ps, token, logger: log, handleSignals: true, ...(flags.name ? { name: flags.name } : {}) });
      } catch (err) {
        log.error({ err: (err as Error).message }, 'worker failed');
        process.exitCode = 1;
      }
    });
}
