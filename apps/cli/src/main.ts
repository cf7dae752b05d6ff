import { Command, CommanderError } from 'commander';
import { ConfigError } from '@tensorfleet/protocol';
import { dashboardCommand } from './commands/dashboard.js';
import { dataCommand } from './commands/data.js';
import { hpoCommand } from './commands/hpo.js';
import { logsCommand } from './commands/logs.js';
import { psCommand } from './commands/ps.js';
import { psShardCommand } from './commands/ps-shard.js';
import { tokenCommand } from './commands/token.js';
import { trainCommand } from './commands/train.js';
import { workerCommand } from './commands/worker.js';

/** The `tensorfleet` program: every verb is a subcommand with its own --help. */
export function buildProgram(): Command {
  return new Command('tensorfleet')
    .description('distributed data-parallel training of TensorFlow.js models')
    .version('0.1.0')
    .showHelpAfterError()
    .addCommand(trainCommand())
    .addCommand(psCommand())
    .addCommand(psShardCommand())
    .addCommand(workerCommand())
    .addCommand(dataCommand())
    .addCommand(hpoCommand())
    .addCommand(logsCommand())
    .addCommand(dashboardCommand())
    .addCommand(tokenCommand());
}

/** Runs the CLI; a configuration or usage error prints one clear message and exits 2. */
export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  program.exitOverride();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode;
      return;
    }
    const message = err instanceof Error ? err.message : String(err);
    const isUsage = err instanceof ConfigError || /^(optimizer|model|data)\./.test(message);
    // People get the message; a stack trace only helps us, so it needs TENSORFLEET_DEBUG=1.
    process.stderr.write(`tensorfleet: ${message}\n`);
    if (process.env.TENSORFLEET_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    process.exitCode = isUsage ? 2 : 1;
  }
}
