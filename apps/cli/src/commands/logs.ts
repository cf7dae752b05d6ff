import { Command, InvalidArgumentError, Option } from 'commander';
import { defaultStoragePath, followLogs, logFilesFor } from '@tensorfleet/coordinator';
import { exitCodes, runFiles } from '@tensorfleet/protocol';
import { prettyLogLine } from '../output/pretty-line.js';

/**
 * `tensorfleet logs TARGET [--trial N] [--follow]`: a run's, a study's or one trial's pino logs, merged by time and
 * pretty on a terminal; TARGET is a run folder (its log.jsonl), a study name, a study or trial folder, or a log file.
 * A target or trial that does not exist exits 2.
 *
 * @example
 * program.addCommand(logsCommand());
 * // tensorfleet logs regularization-sweep --trial 3 --follow
 */
export function logsCommand(): Command {
  return new Command('logs')
    .description("print a run's, a study's or a trial's logs (pino JSON, pretty on a terminal), optionally following them")
    .argument('<target>', `run folder (train --out: its ${runFiles.log}), study name, study folder, trial folder or log file`)
    .addOption(new Option('--storage <file>', 'SQLite file holding the studies').default(defaultStoragePath))
    .addOption(new Option('--trial <n>', 'only this trial of the study').argParser((raw) => {
      const n = Number(raw);
      if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`--trial expects a trial number (0, 1, ...), got "${raw}"`);
      return n;
    }))
    .option('-f, --follow', 'keep printing new lines (Ctrl-C to stop)')
    .option('--json', 'print the raw JSON lines even on a terminal')
    .action(async function (this: Command, target: string, flags: { storage: string; trial?: number; follow?: boolean; json?: boolean }) {
      let files: () => string[];
      try {
        files = logFilesFor({ target, storage: flags.storage, ...(flags.trial !== undefined ? { trial: flags.trial } : {}) });
      } catch (err) {
        this.error((err as Error).message, { exitCode: exitCodes.usage });
      }
      const pretty = !flags.json && process.stdout.isTTY ? prettyLogLine(true) : null;
      const abort = new AbortController();
      const onSignal = () => abort.abort();
      process.once('SIGINT', onSignal);
      // A closed pipe (`tensorfleet logs s | head`) ends the listing quietly.
      process.stdout.on('error', (err: NodeJS.ErrnoException) => {
        if (err.code !== 'EPIPE') throw err;
        abort.abort();
      });
      try {
        await followLogs({
          files, follow: flags.follow ?? false, signal: abort.signal,
          onLine: (line) => {
            if (!abort.signal.aborted) process.stdout.write(pretty ? pretty(line) : line + '\n');
          },
        });
      } finally {
        process.off('SIGINT', onSignal);
      }
    });
}
