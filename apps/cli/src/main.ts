import { Command, CommanderError } from 'commander';
import { ConfigError, exitCodes } from '@tensorfleet/protocol';
import { withHelpDetails } from './help.js';

/**
 * The subcommands in help order, each loaded only when needed: a worker process (`tensorfleet worker`, one per
 * worker of every run) then skips the coordinator, Kubernetes client and HPO code, about 0.7 s of its start-up.
 * Keys are the commands' names (a test checks each against the command it loads).
 */
export const commandLoaders: Record<string, () => Promise<Command>> = {
  train: async () => (await import('./commands/train.js')).trainCommand(),
  ps: async () => (await import('./commands/ps.js')).psCommand(),
  'ps-shard': async () => (await import('./commands/ps-shard.js')).psShardCommand(),
  worker: async () => (await import('./commands/worker.js')).workerCommand(),
  data: async () => (await import('./commands/data.js')).dataCommand(),
  hpo: async () => (await import('./commands/hpo.js')).hpoCommand(),
  k8s: async () => (await import('./commands/k8s.js')).k8sCommand(),
  logs: async () => (await import('./commands/logs.js')).logsCommand(),
  dashboard: async () => (await import('./commands/dashboard.js')).dashboardCommand(),
  token: async () => (await import('./commands/token.js')).tokenCommand(),
};

/**
 * The `tensorfleet` program: every verb is a subcommand with its own --help. `only` (a subcommand's name) loads just
 * that one; anything else (none, an unknown name) loads them all, for the top-level help and usage errors.
 */
export async function buildProgram(only?: string): Promise<Command> {
  const program = new Command('tensorfleet')
    .description('distributed data-parallel training of TensorFlow.js models')
    .version('0.1.0')
    .showHelpAfterError();
  const names = only !== undefined && Object.hasOwn(commandLoaders, only) ? [only] : Object.keys(commandLoaders);
  for (const command of await Promise.all(names.map((name) => commandLoaders[name]!()))) program.addCommand(command);
  return withHelpDetails(program);
}

/** Commander's own exits that are not usage errors: --help and --version. */
const commanderSuccess = new Set(['commander.helpDisplayed', 'commander.version']);

/** Runs the CLI; a configuration or usage error prints one clear message and exits 2. */
export async function main(argv: string[]): Promise<void> {
  const program = await buildProgram(argv[2]);
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
