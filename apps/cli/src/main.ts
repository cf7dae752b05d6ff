import { Command, CommanderError } from 'commander';
import { ConfigError, exitCodes } from '@tensorfleet/protocol';
import { dashboardCommand } from './commands/dashboard.js';
import { dataCommand } from './commands/data.js';
import { hpoCommand } from './commands/hpo.js';
import { k8sCommand } from './commands/k8s.js';
import { logsCommand } from './commands/logs.js';
import { psCommand } from './commands/ps.js';
import { psShardCommand } from './commands/ps-shard.js';
import { tokenCommand } from './commands/token.js';
import { trainCommand } from './commands/train.js';
import { workerCommand } from './commands/worker.js';
import { withHelpDetails } from './help.js';

/** The `tensorfleet` program: every verb is a subcommand with its own --help. */
export function buildProgram(): Command {
  const program = new Command('tensorfleet')
    .description('distributed data-parallel training of TensorFlow.js models')
    .version('0.1.0')
    .showHelpAfterError()
    .addCommand(trainCommand())
    .addCommand(psCommand())
    .addCommand(psShardCommand())
    .addCommand(workerCommand())
    .addCommand(dataCommand())
    .addCommand(hpoCommand())
    .addCommand(k8sCommand())
    .addCommand(logsCommand())
    .addCommand(dashboardCommand())
    .addCommand(tokenCommand());
  return withHelpDetails(program);
}

/** Commander's own exits that are not usage errors: --help and --version. */
const commanderSuccess = new Set(['commander.helpDisplayed', 'commander.version']);

/** Runs the CLI; a configuration or usage error prints one clear message and exits 2. */
export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  // Every command throws instead of exiting (addCommand does not pass exitOverride down), so exit codes are decided here.
  const throwInstead = (c: Command): void => {
    c.exitOverride();
    c.commands.forEach(throwInstead);
  };
  throwInstead(program);
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // A command's own `this.error(...)` chose its code; everything else commander throws is a usage error
      // (a bad or missing argument or option, an unknown command, help shown because a subcommand is missing).
      process.exitCode = commanderSuccess.has(err.code) ? exitCodes.ok : err.code === 'commander.error' ? err.exitCode : exitCodes.usage;
      return;
    }
    const message = err instanceof Error ? err.message : String(err);
    const isUsage = err instanceof ConfigError || /^(optimizer|model|data)\./.test(message);
    // People get the message; a stack trace only helps us, so it needs TENSORFLEET_DEBUG=1.
    process.stderr.write(`tensorfleet: ${message}\n`);
    if (process.env.TENSORFLEET_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    process.exitCode = isUsage ? exitCodes.usage : exitCodes.failed;
  }
}
