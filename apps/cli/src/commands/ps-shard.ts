import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Command, Option } from 'commander';
import { exitCodes } from '@tensorfleet/protocol';
import { startParameterShard } from '@tensorfleet/ps';
import { listenProblem } from '../listen-problem.js';
import { createCliLogger } from '../logging.js';
import { numberArg } from './options.js';
import { resolveToken, tokenOptions } from './secret.js';

const binPath = fileURLToPath(new URL('../bin.js', import.meta.url));

/**
 * `tensorfleet ps-shard`: one parameter shard of a sharded run. The primary (`tensorfleet ps/train --ps-shards K`, or
 * `--shards URL,...`) connects, gives it its part of the parameters and drives it; workers push and pull that part here.
 */
export function psShardCommand(): Command {
  const [tokenFlag, weakTokenFlag] = tokenOptions();
  return new Command('ps-shard')
    .description('run one parameter shard; the primary parameter server connects to it and assigns its part')
    .option('--host <address>', 'interface to listen on', '0.0.0.0')
    .addOption(new Option('--port <n>', 'port to listen on (0: any free port)').argParser(numberArg('--port', true)).default(7071))
    .addOption(tokenFlag!)
    .addOption(weakTokenFlag!)
    .option('--json', 'JSON log lines even on a terminal')
    .action(async (flags: { host: string; port: number; token?: string; allowWeakToken?: boolean; json?: boolean }) => {
      const log = createCliLogger({}, { json: flags.json === true });
      const token = resolveToken(flags, log);
      if (!token) {
        process.exitCode = exitCodes.usage;
        return;
      }
      try {
        const shard = await startParameterShard({ token, host: flags.host, port: flags.port, logger: log });
        log.info({ role: 'ps-shard', url: shard.url }, 'parameter shard listening');
        await shard.done;
      } catch (err) {
        const listen = listenProblem(err, `${flags.host}:${flags.port}`);
        if (listen) log.error({ role: 'ps-shard' }, listen);
        else log.error({ role: 'ps-shard', err: (err as Error).message }, 'parameter shard failed');
        process.exitCode = listen ? exitCodes.unavailable : exitCodes.failed;
      }
    });
}

/** Parameter shard processes on this machine (for `--ps-shards K` without `--shards`). */
export interface LocalShards {
  urls: string[];
  children: ChildProcess[];
  stop(): void;
}

/**
 * Starts `count` `tensorfleet ps-shard` children on 127.0.0.1 (any free port) and resolves with their addresses once
 * each has logged it. Their log lines go to `onLine` (the run's log router), or stdout.
 */
export async function startLocalShards(
  count: number,
  { token, onLine = (line) => void process.stdout.write(`${line}\n`) }: { token: string; onLine?: (line: string) => void },
): Promise<LocalShards> {
  const children = Array.from({ length: count }, () =>
    spawn(process.execPath, [binPath, 'ps-shard', '--host', '127.0.0.1', '--port', '0', '--json'], {
      env: { ...process.env, TENSORFLEET_TOKEN: token },
      stdio: ['ignore', 'pipe', 'inherit'],
    }),
  );
  const stop = () => children.forEach((c) => c.exitCode === null && c.signalCode === null && c.kill('SIGTERM'));
  try {
    const urls = await Promise.all(
      children.map(
        (child, i) =>
          new Promise<string>((resolve, reject) => {
            let found = false;
            createInterface({ input: child.stdout! }).on('line', (line) => {
              if (!found) {
                try {
                  const entry = JSON.parse(line) as { url?: string; msg?: string };
                  if (entry.msg === 'parameter shard listening' && entry.url) {
                    found = true;
                    resolve(entry.url);
                  }
                } catch {
                  // not JSON: pass it on below
                }
              }
              onLine(line);
            });
            child.on('exit', (code, signal) => {
              if (!found) reject(new Error(`parameter shard ${i + 1} exited (${signal ?? `code ${code}`}) before listening`));
            });
          }),
      ),
    );
    return { urls, children, stop };
  } catch (err) {
    stop();
    throw err;
  }
}
